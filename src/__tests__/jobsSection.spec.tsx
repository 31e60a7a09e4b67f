import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { APIError } from '../api/request';
import { JobsModel } from '../pipelines/jobsModel';
import { JobsSection } from '../pipelines/JobsSection';
import { PromoteForm } from '../pipelines/PromoteDialog';
import { CommandIDs } from '../shared/commands';
import { JobsCommandIDs } from '../pipelines/commands';
import {
  FakeJobsClient,
  makeJob,
  makeSchedule,
  makeVersion
} from './jobsFixtures';
import { settle } from './runsFixtures';

const failed = makeJob({
  id: '0123456789abcdef0123456789abcdef',
  status: 'failed',
  parameters: { lr: 0.5 },
  failing_cell: 3,
  failing_source: "raise ValueError('<b>bad</b>')",
  error: 'ValueError: <b>bad</b>'
});

async function shown(jobs = [failed], schedules = [makeSchedule()]) {
  const client = new FakeJobsClient(jobs, schedules);
  const model = new JobsModel({ client, interval: 60 });
  const commands = { execute: jest.fn(async () => undefined) };
  render(<JobsSection model={model} commands={commands} />);
  await act(async () => {
    model.setVisible(true);
    await settle(10);
  });
  return { client, model, commands };
}

describe('JobsSection', () => {
  it('given a failed job, when selected, then its failing cell (index, source, error) shows as text, with its log and actions', async () => {
    const { model, commands } = await shown();
    try {
      await act(async () => {
        fireEvent.click(screen.getByText('failed').closest('button')!);
        await settle(10);
      });
      const detail = screen.getByRole('region', { name: 'Job 01234567' });
      expect(
        within(detail).getByText('Failed in cell 4 (index 3)')
      ).toBeTruthy();
      // User text is text: no element is made of it
      expect(
        within(detail).getByText("raise ValueError('<b>bad</b>')")
      ).toBeTruthy();
      expect(detail.querySelector('b')).toBeNull();
      expect(within(detail).getByText('lr=0.5')).toBeTruthy();
      expect(within(detail).getByLabelText('Job log').textContent).toBe(
        'log of 0123'
      );

      await act(async () => {
        fireEvent.click(within(detail).getByText('Open output'));
        fireEvent.click(within(detail).getByText('Its runs'));
        await settle();
      });
      expect(commands.execute).toHaveBeenCalledWith(
        JobsCommandIDs.openJobOutput,
        { jobId: failed.id }
      );
      expect(commands.execute).toHaveBeenCalledWith(CommandIDs.filterRuns, {
        filter: `job_id = '${failed.id}'`
      });
    } finally {
      model.dispose();
    }
  });

  it('given a finished job, when run again with a bad value, then it is explained and nothing is sent; fixed, the new job runs', async () => {
    const { client, model } = await shown([
      makeJob({ parameters: { lr: 0.5 } })
    ]);
    try {
      await act(async () => {
        fireEvent.click(screen.getByText('finished').closest('button')!);
        await settle(10);
      });
      await act(async () => {
        fireEvent.click(screen.getByText('Run again…'));
        await settle(10);
      });
      const field = screen.getByLabelText(/^lr/) as HTMLInputElement;
      expect(field.value).toBe('0.5');

      fireEvent.change(field, { target: { value: 'fast' } });
      expect(screen.getByRole('alert').textContent).toBe(
        'lr takes a number, such as 0.01 or 1e-3'
      );
      const run = screen.getByRole('button', {
        name: 'Run'
      }) as HTMLButtonElement;
      expect(run.disabled).toBe(true);

      fireEvent.change(field, { target: { value: '0.05' } });
      await act(async () => {
        fireEvent.click(run);
        await settle(10);
      });
      expect(client.rerunJob).toHaveBeenCalledWith(expect.any(String), {
        lr: 0.05
      });
      expect(model.selected?.status).toBe('queued');
    } finally {
      model.dispose();
    }
  });

  it('given a running job, then its progress shows and Cancel asks the server', async () => {
    const running = makeJob({
      status: 'running',
      ended_at: null,
      progress: { cell: 2, cells: 5, source: 'fit()' }
    });
    const { client, model } = await shown([running]);
    try {
      expect(screen.getByLabelText('Progress: cell 2 of 5')).toBeTruthy();
      await act(async () => {
        fireEvent.click(screen.getByText('running').closest('button')!);
        await settle(10);
      });
      await act(async () => {
        fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
        await settle(10);
      });
      expect(client.cancelJob).toHaveBeenCalledWith(running.id);
      expect(screen.getByRole('button', { name: 'Cancelling…' })).toBeTruthy();
    } finally {
      model.dispose();
    }
  });

  it('given a pipeline, when expanded, then its versions list their parameter schema', async () => {
    const { model } = await shown();
    try {
      await act(async () => {
        fireEvent.click(
          screen.getByText('train', { selector: '.jp-MlopsJobs-pipeline span' })
        );
        await settle(10);
      });
      const table = screen.getByRole('table');
      expect(within(table).getByText('layers')).toBeTruthy();
      expect(within(table).getByText('[8, 4]')).toBeTruthy();
    } finally {
      model.dispose();
    }
  });
});

describe('SchedulesList', () => {
  it('given a schedule, then its cron in words, timezone and next three fires show; Pause stops them, Resume brings them back', async () => {
    const { client, model } = await shown();
    try {
      const list = screen.getByRole('list', { name: 'Schedules' });
      expect(within(list).getByText('At 02:00 AM')).toBeTruthy();
      expect(within(list).getByText('0 2 * * *')).toBeTruthy();
      expect(within(list).getAllByRole('listitem')).toHaveLength(4);

      await act(async () => {
        fireEvent.click(
          within(list).getByRole('button', {
            name: 'Pause the schedule of train'
          })
        );
        await settle(10);
      });
      expect(client.pauseSchedule).toHaveBeenCalledWith(1);
      expect(within(list).getByText('Paused')).toBeTruthy();
      expect(
        within(list).queryByRole('list', { name: 'Next fires' })
      ).toBeNull();

      await act(async () => {
        fireEvent.click(within(list).getByRole('button', { name: /^Resume/ }));
        await settle(10);
      });
      expect(client.resumeSchedule).toHaveBeenCalledWith(1);
      expect(
        within(list).getByRole('list', { name: 'Next fires' })
      ).toBeTruthy();
    } finally {
      model.dispose();
    }
  });
});

describe('PromoteForm', () => {
  function client() {
    return {
      runPipeline: jest.fn(async () => makeJob({ status: 'queued' })),
      createSweep: jest.fn(async () => ({ jobs: [makeJob()] })),
      createSchedule: jest.fn(async () => makeSchedule()),
      describeCron: jest.fn(async (cron: string, timezone?: string) => {
        if (cron.split(' ').length < 5) {
          throw new APIError(
            `cron ${JSON.stringify(cron)} has too few fields: minute hour day month weekday`,
            400
          );
        }
        return {
          cron,
          description: 'At 02:00 AM',
          timezone: timezone ?? 'UTC',
          next_fires: makeSchedule().next_fires
        };
      })
    };
  }

  it('given the form, when a value is edited and Run now pressed, then the job runs with that value only', async () => {
    const api = client();
    const onStarted = jest.fn();
    render(
      <PromoteForm version={makeVersion()} client={api} onStarted={onStarted} />
    );
    expect(screen.getByText('Promoted as train v1.')).toBeTruthy();

    fireEvent.change(screen.getByLabelText(/^depth/), {
      target: { value: '7' }
    });
    fireEvent.click(screen.getByLabelText(/^scale/));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
      await settle(10);
    });

    expect(api.runPipeline).toHaveBeenCalledWith('train', {
      parameters: { depth: 7, scale: false },
      version: 1
    });
    expect(onStarted).toHaveBeenCalledTimes(1);
  });

  it("given a refusal, then the server's message shows and the dialog stays", async () => {
    const api = client();
    api.runPipeline.mockRejectedValueOnce(
      new APIError("parameter 'lr' takes a float, not 'x'", 400)
    );
    const onStarted = jest.fn();
    render(
      <PromoteForm version={makeVersion()} client={api} onStarted={onStarted} />
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
      await settle(10);
    });
    expect(screen.getByRole('alert').textContent).toBe(
      "parameter 'lr' takes a float, not 'x'"
    );
    expect(onStarted).not.toHaveBeenCalled();
  });

  it('given a sweep, then the number of jobs follows the lists, a bad value blocks, and the grid is sent', async () => {
    const api = client();
    render(
      <PromoteForm version={makeVersion()} client={api} onStarted={jest.fn()} />
    );
    fireEvent.click(screen.getByLabelText('Sweep'));
    const start = screen.getByRole('button', {
      name: 'Start the sweep'
    }) as HTMLButtonElement;
    expect(start.disabled).toBe(true);

    fireEvent.change(screen.getByLabelText(/^lr/), {
      target: { value: '0.1, 0.01' }
    });
    fireEvent.change(screen.getByLabelText(/^depth/), {
      target: { value: '2, x' }
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'depth "x" takes a whole number, such as 3'
    );
    expect(start.disabled).toBe(true);

    fireEvent.change(screen.getByLabelText(/^depth/), {
      target: { value: '2, 4, 8' }
    });
    expect(screen.getByText('6 jobs')).toBeTruthy();
    await act(async () => {
      fireEvent.click(start);
      await settle(10);
    });
    expect(api.createSweep).toHaveBeenCalledWith('train', {
      grid: { lr: [0.1, 0.01], depth: [2, 4, 8] },
      max_parallel: 4,
      version: 1
    });
  });
});

describe('PromoteForm schedule', () => {
  afterEach(() => jest.useRealTimers());

  it("given Schedule, when a cron is typed, then its words and next fires show, a bad one says the server's reason and blocks, and a good one is scheduled", async () => {
    jest.useFakeTimers();
    const api = {
      runPipeline: jest.fn(),
      createSweep: jest.fn(),
      createSchedule: jest.fn(async () => makeSchedule()),
      describeCron: jest.fn(async (cron: string, timezone?: string) => {
        if (cron.split(' ').length < 5) {
          throw new APIError('cron "0 2" has too few fields', 400);
        }
        return {
          cron,
          description: 'At 02:00 AM',
          timezone: timezone ?? 'UTC',
          next_fires: makeSchedule().next_fires
        };
      })
    };
    const onStarted = jest.fn();
    render(
      <PromoteForm version={makeVersion()} client={api} onStarted={onStarted} />
    );
    fireEvent.click(screen.getByLabelText('Schedule'));
    const cron = screen.getByLabelText('Cron');
    fireEvent.change(screen.getByLabelText('Timezone'), {
      target: { value: 'Europe/Berlin' }
    });

    fireEvent.change(cron, { target: { value: '0 2' } });
    await act(async () => {
      await jest.advanceTimersByTimeAsync(300);
    });
    expect(
      screen.getAllByText('cron "0 2" has too few fields').length
    ).toBeGreaterThan(0);
    const submit = screen.getByRole('button', {
      name: 'Schedule'
    }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);

    fireEvent.change(cron, { target: { value: '0 2 * * *' } });
    await act(async () => {
      await jest.advanceTimersByTimeAsync(300);
    });
    expect(api.describeCron).toHaveBeenLastCalledWith(
      '0 2 * * *',
      'Europe/Berlin'
    );
    expect(screen.getByText('At 02:00 AM')).toBeTruthy();
    expect(
      within(screen.getByRole('list', { name: 'Next fires' })).getAllByRole(
        'listitem'
      )
    ).toHaveLength(3);

    fireEvent.change(screen.getByLabelText(/^lr/), {
      target: { value: '0.3' }
    });
    await act(async () => {
      fireEvent.click(submit);
      await jest.advanceTimersByTimeAsync(10);
    });
    expect(api.createSchedule).toHaveBeenCalledWith({
      pipeline: 'train',
      cron: '0 2 * * *',
      timezone: 'Europe/Berlin',
      parameters: { lr: 0.3 }
    });
    expect(onStarted).toHaveBeenCalledWith([]);
  });
});
