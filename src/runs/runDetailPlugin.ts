import { CommandIDs, IRunArgs } from '../shared/commands';
import { viewPlugin } from '../shared/viewPlugin';
import { RunDetailView } from './RunDetailView';

/**
 * The run detail view: everything a run recorded.
 */
export const runDetailPlugin = viewPlugin<IRunArgs>(
  'mlops-jlab:run-detail',
  'The run detail view: everything a run recorded.',
  context => ({
    command: CommandIDs.openRun,
    label: 'Open a run',
    namespace: 'mlops-jlab-run-detail',
    key: args => args.runId,
    title: args => `Run ${args.runId.slice(0, 8)}`,
    valid: args => typeof args.runId === 'string',
    create: args => new RunDetailView(context, args.runId)
  })
);
