import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { datasetDiffPlugin } from './datasets/datasetDiffPlugin';
import { lineagePlugin } from './lineage/lineagePlugin';
import { panelPlugin } from './panel/panelPlugin';
import { comparePlugin } from './runs/comparePlugin';
import { openCellPlugin } from './runs/openCellPlugin';
import { runDetailPlugin } from './runs/runDetailPlugin';

export { mlopsIcon } from './shared/icons';

/**
 * The side panel, and the main-area views it opens through commands
 * (see {@link CommandIDs} in ./shared/commands).
 */
const plugins: JupyterFrontEndPlugin<any>[] = [
  panelPlugin,
  runDetailPlugin,
  comparePlugin,
  lineagePlugin,
  datasetDiffPlugin,
  openCellPlugin
];

export default plugins;
