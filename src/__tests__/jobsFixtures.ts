import {
  IJob,
  IListJobsQuery,
  IPipelineVersion,
  ISchedule
} from '../api/types';

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
  constructor(
    public jobs: IJob[] = [],
    public schedules: ISchedule[] = []
  ) {}

  private _pause(scheduleId: number, paused: boolean): ISchedule {
    const schedule = this.schedules.find(known => known.id === scheduleId)!;
    schedule.paused = paused;
    schedule.next_fire_at = paused ? null : schedule.next_fires[0];
    return { ...schedule };
  }

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
  listPipelineVersions = jest.fn(async (name: string) => [
    makeVersion({ name })
  ]);
  listJobs = jest.fn(async (query: IListJobsQuery = {}) => ({
    jobs: this.jobs
      .filter(job => !query.pipeline || job.pipeline === query.pipeline)
      .map(job => ({ ...job })),
    next_page_token: null
  }));
  getJobLog = jest.fn(async (jobId: string) => `log of ${jobId.slice(0, 4)}`);
  cancelJob = jest.fn(async (jobId: string) => {
    const job = this.jobs.find(known => known.id === jobId)!;
    job.cancel_requested = true;
    return { ...job };
  });
  listSchedules = jest.fn(async () => this.schedules.map(s => ({ ...s })));
  pauseSchedule = jest.fn(async (scheduleId: number) =>
    this._pause(scheduleId, true)
  );
  resumeSchedule = jest.fn(async (scheduleId: number) =>
    this._pause(scheduleId, false)
  );
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

/** A schedule of `train` every day at 02:00 in Berlin. */
export function makeSchedule(overrides: Partial<ISchedule> = {}): ISchedule {
  const fires = [1_700_010_000_000, 1_700_096_400_000, 1_700_182_800_000];
  return {
    id: 1,
    pipeline: 'train',
    version: null,
    cron: '0 2 * * *',
    description: 'At 02:00 AM',
    timezone: 'Europe/Berlin',
    parameters: { lr: 0.5 },
    paused: false,
    catch_up: 'skip',
    max_concurrent: 1,
    retries: 0,
    timeout: null,
    next_fire_at: fires[0],
    next_fires: fires,
    last_fire_at: null,
    created_by: 'ada',
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
    ...overrides
  };
}
