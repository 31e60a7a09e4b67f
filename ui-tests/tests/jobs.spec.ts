import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import { ICell, openNotebook } from './notebooks';

/**
 * A notebook becomes a pipeline from its toolbar, runs as a job with an edited parameter,
 * finishes in the Jobs tab with its run in the Runs tab and its output notebook opened; a
 * notebook that raises shows its failing cell. The tests share one server and its store.
 */

// A job starts a kernel in its own process: waits are generous.
const JOB_WAIT = { timeout: 180_000 };

const TRAIN: ICell[] = [
  { source: 'lr = 0.1  # learning rate\nepochs = 2', tags: ['parameters'] },
  { source: 'import mlops_jlab as ml\n%load_ext mlops_jlab' },
  {
    source:
      "%%track --name jobtrain\nacc = 1 - lr\nml.log_metric('acc', acc)\nprint('acc', acc)"
  }
];

const BROKEN: ICell[] = [
  { source: 'size = 3', tags: ['parameters'] },
  { source: 'total = size * 2' },
  { source: "raise ValueError('boom: size was ' + str(size))" },
  { source: "print('never')" }
];

const panel = (page: IJupyterLabPageFixture): Locator =>
  page.locator('#mlops-jlab-panel');
const dialog = (page: IJupyterLabPageFixture): Locator =>
  page.locator('.jp-Dialog');

/** Press the notebook's "Promote / run as job" button; the dialog opens. */
async function promote(page: IJupyterLabPageFixture): Promise<Locator> {
  await page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MlopsPromote-button')
    .click();
  await expect(dialog(page).locator('.jp-MlopsPromote')).toBeVisible();
  return dialog(page);
}

/** The selected job's detail in the Jobs tab. */
const detail = (page: IJupyterLabPageFixture): Locator =>
  panel(page).locator('.jp-MlopsJobs-detail');

test.describe('jobs from a notebook', () => {
  test('given a notebook with a parameters cell and a tracked cell, when promoted and run with an edited parameter, then the job finishes with its run and its output opens', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/jobtrain.ipynb`, TRAIN);

    const box = await promote(page);
    await expect(box.getByText(/Promoted as jobtrain v1/)).toBeVisible();
    // A bad value is explained before anything is sent.
    const lr = box.getByLabel(/^lr/);
    await lr.fill('fast');
    await expect(box.getByRole('alert')).toHaveText(
      'lr takes a number, such as 0.01 or 1e-3'
    );
    await expect(box.getByRole('button', { name: 'Run now' })).toBeDisabled();
    await lr.fill('0.25');
    await box.getByRole('button', { name: 'Run now' }).click();
    await expect(dialog(page)).toHaveCount(0);

    // The Jobs tab shows the job, live, until it finishes.
    await expect(
      panel(page).getByRole('tab', { name: 'Jobs' })
    ).toHaveAttribute('aria-selected', 'true');
    await expect(detail(page)).toContainText('lr=0.25');
    await expect(
      panel(page).locator('.jp-MlopsJobs-job .jp-MlopsRuns-status')
    ).toHaveText('finished', JOB_WAIT);
    await expect(detail(page).getByLabel('Job log')).toContainText('acc 0.75');

    // Its runs: the Runs tab filtered to the job.
    await detail(page).getByRole('button', { name: 'Its runs' }).click();
    await expect(panel(page).getByLabel('Filter runs')).toHaveValue(
      /^job_id = '[0-9a-f]{32}'$/
    );
    await expect(panel(page).locator('[role="row"][data-run-id]')).toHaveCount(
      1
    );
    await expect(panel(page).getByText('jobtrain').first()).toBeVisible();

    // Open output: the output notebook, with what the job printed.
    await panel(page).getByRole('tab', { name: 'Jobs' }).click();
    await detail(page).getByRole('button', { name: 'Open output' }).click();
    const output = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText(/jobtrain-job-[0-9a-f]{8}\.ipynb/);
    await expect(output.getByText('acc 0.75')).toBeVisible();
  });

  test('given a notebook that raises, when run as a job, then the Jobs tab shows the failing cell and its output opens at it', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/broken.ipynb`, BROKEN);
    const box = await promote(page);
    await box.getByRole('button', { name: 'Run now' }).click();

    await expect(
      panel(page).locator(
        '.jp-MlopsJobs-job.jp-mod-selected .jp-MlopsRuns-status'
      )
    ).toHaveText('failed', JOB_WAIT);
    const failure = detail(page).locator('.jp-MlopsJobs-failure');
    await expect(failure).toContainText(/Failed in cell \d+ \(index \d+\)/);
    await expect(failure).toContainText("raise ValueError('boom: size was '");
    await expect(failure).toContainText('ValueError');

    await detail(page).getByRole('button', { name: 'Open output' }).click();
    const output = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await expect(output.locator('.jp-Cell.jp-mod-active')).toContainText(
      'boom: size was 3'
    );
  });
});

test.describe('jobs in both themes', () => {
  for (const theme of ['light', 'dark']) {
    test(`given the jobs of the tests before, the Jobs tab and the dialog read in the ${theme} theme`, async ({
      page,
      tmpPath
    }, testInfo) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await openNotebook(page, `${tmpPath}/jobtrain.ipynb`, TRAIN);
      await page.sidebar.openTab('mlops-jlab-panel');
      await panel(page).getByRole('tab', { name: 'Jobs' }).click();
      await panel(page).locator('.jp-MlopsJobs-job').first().click();
      await panel(page).locator('.jp-MlopsJobs-pipeline').first().click();
      await expect(
        panel(page).locator('.jp-MlopsJobs-schema').first()
      ).toBeVisible();
      await panel(page).screenshot({
        path: testInfo.outputPath(`jobs-${theme}.png`)
      });

      const box = await promote(page);
      await box.getByLabel(/^epochs/).fill('two');
      await box.screenshot({
        path: testInfo.outputPath(`dialog-${theme}.png`)
      });
      await box.getByLabel('Schedule').check();
      await expect(box.getByText('At 02:00 AM')).toBeVisible();
      await box.screenshot({
        path: testInfo.outputPath(`dialog-schedule-${theme}.png`)
      });
      await box.getByRole('button', { name: 'Close' }).click();
    });
  }
});
