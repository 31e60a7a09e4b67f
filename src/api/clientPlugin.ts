import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { MlopsClient } from './client';
import { IMlopsClient } from './token';

/**
 * The one client of the REST API, shared by the panel, the views and any extension that
 * requires {@link IMlopsClient}.
 */
export const clientPlugin: JupyterFrontEndPlugin<IMlopsClient> = {
  id: 'mlops-jlab:client',
  description: 'The client of the mlops-jlab REST API that the plugins share.',
  autoStart: true,
  provides: IMlopsClient,
  activate: (): IMlopsClient => new MlopsClient()
};
