import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { clientPlugin } from './api/clientPlugin';
import { datasetDiffPlugin } from './datasets/datasetDiffPlugin';
import { lineagePlugin } from './lineage/lineagePlugin';
import { panelPlugin } from './panel/panelPlugin';
import { jobsPlugin } from './pipelines/jobsPlugin';
import { comparePlugin } from './runs/comparePlugin';
import { openCellPlugin } from './runs/openCellPlugin';
import { runDetailPlugin } from './runs/runDetailPlugin';
import { runEditPlugin } from './runs/runEditPlugin';

export { IMlopsClient } from './api/token';
export { mlopsIcon } from './shared/icons';

/**
 * The REST API's client, the side panel, and the main-area views it opens through
 * commands (see {@link CommandIDs} in ./shared/commands).
 */
const plugins: JupyterFrontEndPlugin<any>[] = [
  clientPlugin,
  panelPlugin,
  runDetailPlugin,
  comparePlugin,
  lineagePlugin,
  datasetDiffPlugin,
  openCellPlugin,
  runEditPlugin,
  jobsPlugin
];

export default plugins;
