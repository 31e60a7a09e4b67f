import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { IMlopsClient } from '../api/token';
import { CommandIDs } from '../shared/commands';
import { mlopsIcon } from '../shared/icons';
import { MlopsPanel } from './MlopsPanel';
import { addPanelCommands } from './panelCommands';

/** The panel's DOM id, which the layout restorer and the tests know it by. */
export const PANEL_ID = 'mlops-jlab-panel';

/**
 * The side panel: runs and datasets of the server's store, and the commands for what it
 * does (./panelCommands). Its page size and refresh interval come from the
 * `mlops-jlab:panel` settings, and follow their changes.
 */
export const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:panel',
  description: 'The mlops-jlab side panel: runs and datasets.',
  autoStart: true,
  requires: [IMlopsClient],
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    client: IMlopsClient,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const panel = new MlopsPanel({ client, commands: app.commands });
    panel.id = PANEL_ID;
    panel.title.icon = mlopsIcon;
    panel.title.caption = 'MLOps';
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }
    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Open the MLOps Panel',
      execute: () => app.shell.activateById(PANEL_ID)
    });
    addPanelCommands(app, panel, client, palette);
    if (settingRegistry) {
      settingRegistry
        .load(panelPlugin.id)
        .then(loaded => {
          const apply = () =>
            panel.setSettings({
              pageSize: loaded.get('pageSize').composite as number,
              refreshInterval: loaded.get('refreshInterval').composite as number
            });
          apply();
          loaded.changed.connect(apply);
        })
        .catch(reason => {
          console.warn(
            'mlops-jlab: the panel settings could not be loaded',
            reason
          );
        });
    }
  }
};
