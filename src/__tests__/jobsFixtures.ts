import { IJob, IListJobsQuery, IPipelineVersion } from '../api/types';

/** A job as the server answers it, with `overrides`. */
export function makeJob(overrides: Partial<IJob> = {}): IJob {
  return {
    id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    pipeline: 'train',
    version: 1,
    sweep_id: null,
    schedule_id: null,
    fire_time: null,
    parameters: {},
    status: 'finished',
    attempt: 1,
    retries: 0,
    retry_at: null,
    timeout: null,
    cancel_requested: false,
    progress: null,
    output_digest: 'f'.repeat(32),
    log_digest: null,
    failing_cell: null,
    failing_source: null,
    error: null,
    traceback: null,
    pid: null,
    host: null,
    created_by: 'ada',
    created_at: 1_700_000_000_000,
    started_at: 1_700_000_001_000,
    ended_at: 1_700_000_004_000,
    ...overrides
  };
}

/** A pipeline version of `train` with an lr (float), a depth (int) and a flag (bool). */
export function makeVersion(
  overrides: Partial<IPipelineVersion> = {}
): IPipelineVersion {
  return {
    name: 'train',
    version: 1,
    version_id: 1,
    notebook_path: 'train.ipynb',
    snapshot_digest: 'e'.repeat(32),
    parameters: [
      {
        name: 'lr',
        type: 'float',
        default: 0.1,
        default_text: '0.1',
        help: 'learning rate'
      },
      { name: 'depth', type: 'int', default: 3, default_text: '3', help: '' },
      {
        name: 'scale',
        type: 'bool',
        default: true,
        default_text: 'True',
        help: ''
      },
      {
        name: 'model',
        type: 'str',
        default: 'rf',
        default_text: "'rf'",
        help: ''
      },
      {
        name: 'layers',
        type: 'list',
        default: [8, 4],
        default_text: '[8, 4]',
        help: ''
      }
    ],
    parameters_cell: { index: 0, how: 'tagged', note: '' },
    created_at: 1_700_000_000_000,
    created_by: 'ada',
    new: true,
    ...overrides
  };
}

/** A stand-in of the jobs API over a list of jobs the test changes as it goes. */
export class FakeJobsClient {
  constructor(public jobs: IJob[] = []) {}

  listPipelines = jest.fn(async () => [
    {
      name: 'train',
      notebook_path: 'train.ipynb',
      versions: 1,
      jobs: this.jobs.length,
      created_at: 1_700_000_000_000,
      created_by: 'ada'
    }
  ]);
  listPipelineVersions = jest.fn(async (_name: string) => [makeVersion()]);
  listJobs = jest.fn(async (_query?: IListJobsQuery) => ({
    jobs: this.jobs.map(job => ({ ...job })),
    next_page_token: null
  }));
  getJobLog = jest.fn(async (jobId: string) => `log of ${jobId.slice(0, 4)}`);
  cancelJob = jest.fn(async (jobId: string) => {
    const job = this.jobs.find(known => known.id === jobId)!;
    job.cancel_requested = true;
    return { ...job };
  });
  rerunJob = jest.fn(
    async (jobId: string, parameters: Record<string, unknown>) => {
      const job = makeJob({
        id: 'f'.repeat(31) + String(this.jobs.length),
        status: 'queued',
        parameters,
        started_at: null,
        ended_at: null,
        output_digest: null
      });
      this.jobs = [job, ...this.jobs];
      return job;
    }
  );
}
