import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { MlopsClient } from '../api';
import { CommandIDs, IDatasetDiffArgs } from '../commands';
import { mlopsIcon } from '../icons';
import { DatasetDiffView } from '../widgets/datasetDiff';
import { registerView } from './views';

/**
 * The dataset diff view: schema, profiles and drift between two versions.
 */
export const datasetDiffPlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:dataset-diff',
  description:
    'The dataset diff view: schema, profiles and drift between two versions.',
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
    registerView<IDatasetDiffArgs>(app, restorer, {
      command: CommandIDs.diffDatasetVersions,
      label: 'Compare dataset versions',
      namespace: 'mlops-jlab-dataset-diff',
      icon: mlopsIcon,
      key: args => `${args.a}-${args.b}`,
      title: args => `Dataset diff ${args.a} → ${args.b}`,
      valid: args => typeof args.a === 'number' && typeof args.b === 'number',
      create: args => new DatasetDiffView(context, args.a, args.b)
    });
  }
};
