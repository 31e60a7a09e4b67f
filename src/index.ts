import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';

import mlopsIconSvg from '../style/icons/mlops.svg';
import { MlopsClient } from './api';
import { MlopsPanel } from './widgets/panel';

/** The side panel's icon. */
export const mlopsIcon = new LabIcon({
  name: 'mlops-jlab:mlops',
  svgstr: mlopsIconSvg
});

const PANEL_ID = 'mlops-jlab-panel';
const OPEN_COMMAND = 'mlops-jlab:open-panel';

/**
 * The mlops-jlab side panel: runs, datasets, models and jobs of the server's store.
 */
const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:panel',
  description: 'The mlops-jlab side panel.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ) => {
    const panel = new MlopsPanel(new MlopsClient());
    panel.id = PANEL_ID;
    panel.title.icon = mlopsIcon;
    panel.title.caption = 'MLOps';
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }
    app.commands.addCommand(OPEN_COMMAND, {
      label: 'Open the MLOps panel',
      execute: () => app.shell.activateById(PANEL_ID)
    });
    if (palette) {
      palette.addItem({ command: OPEN_COMMAND, category: 'MLOps' });
    }
  }
};

export default [panelPlugin];
