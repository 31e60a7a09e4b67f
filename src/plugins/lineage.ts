import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ServerConnection } from '@jupyterlab/services';

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
      // JupyterLab's default 'no-store' makes every GET carry a cache-busting `?<time>`
      // parameter, which the API refuses as an unknown query parameter; 'no-cache' still
      // asks the server every time.
      client: new MlopsClient(
        ServerConnection.makeSettings({
          init: { cache: 'no-cache', credentials: 'same-origin' }
        })
      ),
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
