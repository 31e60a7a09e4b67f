import { CommandIDs, ILineageArgs } from '../shared/commands';
import { viewPlugin } from '../shared/viewPlugin';
import { LineageView } from './LineageView';

/**
 * The lineage graph around a run, dataset version, artifact or model version.
 */
export const lineagePlugin = viewPlugin<ILineageArgs>(
  'mlops-jlab:lineage',
  'The lineage graph around a run, dataset version, artifact or model version.',
  context => ({
    command: CommandIDs.openLineage,
    label: 'Open the lineage graph',
    namespace: 'mlops-jlab-lineage',
    key: args => `${args.kind}-${args.nodeId}`,
    // Named after its node once the graph has arrived.
    title: () => 'Lineage',
    valid: args =>
      typeof args.kind === 'string' && typeof args.nodeId === 'string',
    create: args => new LineageView(context, args.kind, args.nodeId)
  })
);
