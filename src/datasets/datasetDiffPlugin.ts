import { CommandIDs, IDatasetDiffArgs } from '../shared/commands';
import { viewPlugin } from '../shared/viewPlugin';
import { DatasetDiffView } from './DatasetDiffView';

/**
 * The dataset diff view: schema, profiles and drift between two versions.
 */
export const datasetDiffPlugin = viewPlugin<IDatasetDiffArgs>(
  'mlops-jlab:dataset-diff',
  'The dataset diff view: schema, profiles and drift between two versions.',
  context => ({
    command: CommandIDs.diffDatasetVersions,
    label: 'Compare dataset versions',
    namespace: 'mlops-jlab-dataset-diff',
    key: args => `${args.a}-${args.b}`,
    // Named after the dataset and its versions once the diff has arrived.
    title: () => 'Dataset diff',
    valid: args => typeof args.a === 'number' && typeof args.b === 'number',
    create: args => new DatasetDiffView(context, args.a, args.b)
  })
);
