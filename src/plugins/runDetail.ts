import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { MlopsClient } from '../api';
import { CommandIDs, IRunArgs } from '../commands';
import { mlopsIcon } from '../icons';
import { RunDetailView } from '../widgets/runDetail';
import { registerView } from './views';

/**
 * The run detail view: everything a run recorded.
 */
export const runDetailPlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:run-detail',
  description: 'The run detail view: everything a run recorded.',
  autoStart: true,
  optional: [ILayoutRestorer, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    rendermime: IRenderMimeRegistry | null
  ) => {
    const context = {
      client: new MlopsClient(),
      commands: app.commands,
      rendermime
    };
    registerView<IRunArgs>(app, restorer, {
      command: CommandIDs.openRun,
      label: 'Open a run',
      namespace: 'mlops-jlab-run-detail',
      icon: mlopsIcon,
      key: args => args.runId,
      title: args => `Run ${args.runId.slice(0, 8)}`,
      valid: args => typeof args.runId === 'string',
      create: args => new RunDetailView(context, args.runId)
    });
  }
};
