import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

/** The commands of pipelines and jobs; their arguments are plain JSON. */
export const JobsCommandIDs = {
  /** Args {@link IJobArgs}: write a job's output notebook under the root and open it. */
  openJobOutput: 'mlops-jlab:open-job-output',
  /** Args `{jobId?}`: the Jobs tab of the panel, with the job selected when given. */
  showJob: 'mlops-jlab:show-job',
  /** Save the current notebook, promote it and open the run dialog. */
  promoteNotebook: 'mlops-jlab:promote-notebook'
} as const;

/** Arguments of the commands that act on a job. */
export interface IJobArgs extends ReadonlyPartialJSONObject {
  jobId: string;
}
