import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { MlopsClient } from '../api';
import { CommandIDs, ICompareArgs } from '../commands';
import { mlopsIcon } from '../icons';
import { CompareView } from '../widgets/compare';
import { registerView } from './views';

/**
 * The compare view: runs side by side.
 */
export const comparePlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:compare',
  description: 'The compare view: runs side by side.',
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
    registerView<ICompareArgs>(app, restorer, {
      command: CommandIDs.compareRuns,
      label: 'Compare runs',
      namespace: 'mlops-jlab-compare',
      icon: mlopsIcon,
      key: args => args.runIds.join('-'),
      title: args => `Compare ${args.runIds.length} runs`,
      valid: args =>
        Array.isArray(args.runIds) &&
        args.runIds.length >= 2 &&
        args.runIds.every(id => typeof id === 'string'),
      create: args => new CompareView(context, args.runIds)
    });
  }
};
