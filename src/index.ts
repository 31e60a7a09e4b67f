import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { comparePlugin } from './plugins/compare';
import { datasetDiffPlugin } from './plugins/datasetDiff';
import { lineagePlugin } from './plugins/lineage';
import { openCellPlugin } from './plugins/openCell';
import { panelPlugin } from './plugins/panel';
import { runDetailPlugin } from './plugins/runDetail';

export { mlopsIcon } from './icons';

/**
 * The side panel, and the main-area views it opens through commands
 * (see {@link CommandIDs} in ./commands).
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
