import { JobsModel } from '../pipelines/jobsModel';
import { FakeJobsClient, makeJob } from './jobsFixtures';
import { settle } from './runsFixtures';

describe('JobsModel', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('given a running job, when the section is visible, then it refreshes until every job is over, and not while hidden', async () => {
    jest.useFakeTimers();
    const running = makeJob({
      status: 'running',
      ended_at: null,
      progress: { cell: 2, cells: 4, source: 'train()' }
    });
    const client = new FakeJobsClient([running]);
    const model = new JobsModel({ client, interval: 1 });
    try {
      // Given the section hidden: nothing is asked
      await jest.advanceTimersByTimeAsync(5000);
      expect(client.listJobs).not.toHaveBeenCalled();

      // When shown: the jobs load, and a running one keeps the refresh going
      model.setVisible(true);
      await jest.advanceTimersByTimeAsync(10);
      expect(model.jobs?.[0].status).toBe('running');
      expect(model.polling).toBe(true);
      const asked = client.listJobs.mock.calls.length;
      await jest.advanceTimersByTimeAsync(3100);
      expect(client.listJobs.mock.calls.length).toBeGreaterThanOrEqual(
        asked + 2
      );

      // When hidden: the refresh stops
      model.setVisible(false);
      await jest.advanceTimersByTimeAsync(10);
      expect(model.polling).toBe(false);
      const whileHidden = client.listJobs.mock.calls.length;
      await jest.advanceTimersByTimeAsync(5000);
      expect(client.listJobs.mock.calls.length).toBe(whileHidden);

      // When shown again and the job finishes: the refresh sees it, then stops
      model.setVisible(true);
      await jest.advanceTimersByTimeAsync(10);
      expect(model.polling).toBe(true);
      client.jobs = [{ ...running, status: 'finished', ended_at: Date.now() }];
      await jest.advanceTimersByTimeAsync(1100);
      expect(model.jobs?.[0].status).toBe('finished');
      expect(model.polling).toBe(false);
      const done = client.listJobs.mock.calls.length;
      await jest.advanceTimersByTimeAsync(5000);
      expect(client.listJobs.mock.calls.length).toBe(done);
    } finally {
      model.dispose();
    }
  });

  it('given a selected job, then its log is fetched; run again selects the new job and refreshes while it is queued', async () => {
    const client = new FakeJobsClient([makeJob()]);
    const model = new JobsModel({ client, interval: 60 });
    try {
      model.setVisible(true);
      await settle(10);
      await model.select(client.jobs[0].id);
      expect(model.log).toBe('log of a1b2');

      const again = await model.rerun(client.jobs[0].id, { lr: 0.5 });

      expect(client.rerunJob).toHaveBeenCalledWith(client.jobs[1].id, {
        lr: 0.5
      });
      expect(model.selectedId).toBe(again.id);
      expect(model.selected?.parameters).toEqual({ lr: 0.5 });
      expect(model.polling).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('given the server fails, then its message is kept to show, and the list shown stays', async () => {
    const client = new FakeJobsClient([makeJob()]);
    const model = new JobsModel({ client, interval: 60 });
    try {
      model.setVisible(true);
      await settle(10);
      client.listJobs.mockRejectedValueOnce(new Error('the store is locked'));

      await expect(model.refresh()).rejects.toThrow('the store is locked');

      expect(model.error).toBe('the store is locked');
      expect(model.jobs).toHaveLength(1);
    } finally {
      model.dispose();
    }
  });
});
