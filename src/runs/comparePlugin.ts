import { COMPARE_MIN } from '../api/limits';
import { CommandIDs, ICompareArgs } from '../shared/commands';
import { viewPlugin } from '../shared/viewPlugin';
import { CompareView } from './CompareView';

/**
 * The compare view: runs side by side.
 */
export const comparePlugin = viewPlugin<ICompareArgs>(
  'mlops-jlab:compare',
  'The compare view: runs side by side.',
  context => ({
    command: CommandIDs.compareRuns,
    label: 'Compare runs',
    namespace: 'mlops-jlab-compare',
    // The same runs are the same comparison, in whatever order they were ticked.
    key: args => [...args.runIds].sort().join('-'),
    title: args => `Compare ${args.runIds.length} runs`,
    valid: args =>
      Array.isArray(args.runIds) &&
      args.runIds.length >= COMPARE_MIN &&
      args.runIds.every(id => typeof id === 'string'),
    create: args => new CompareView(context, args.runIds)
  })
);
