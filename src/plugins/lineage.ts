import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { MlopsClient } from '../api';
import { CommandIDs, ILineageArgs } from '../commands';
import { mlopsIcon } from '../icons';
import { LineageView } from '../widgets/lineage';
import { registerView } from './views';

/**
 * The lineage graph around a run, dataset version, artifact or model version.
 */
export const lineagePlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:lineage',
  description:
    'The lineage graph around a run, dataset version, artifact or model version.',
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
    registerView<ILineageArgs>(app, restorer, {
      command: CommandIDs.openLineage,
      label: 'Open the lineage graph',
      namespace: 'mlops-jlab-lineage',
      icon: mlopsIcon,
      key: args => `${args.kind}-${args.nodeId}`,
      title: args =>
        `Lineage of ${args.kind.replace('_', ' ')} ${args.nodeId.slice(0, 12)}`,
      valid: args =>
        typeof args.kind === 'string' && typeof args.nodeId === 'string',
      create: args => new LineageView(context, args.kind, args.nodeId)
    });
  }
};
