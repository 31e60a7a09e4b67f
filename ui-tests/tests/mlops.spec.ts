import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

/**
 * A user's afternoon: a notebook with %%track cells run in a real kernel, then the side
 * panel, a comparison, the lineage graph and a dataset diff, in the light and dark themes.
 */

const LOAD =
  'import mlops_jlab as ml\nimport pandas as pd\n%load_ext mlops_jlab';
const prepare = (rows: number): string =>
  '%%track --name prepare\n' +
  `rows = ${rows}\n` +
  "raw = pd.DataFrame({'x': [i * 0.5 for i in range(rows)], 'label': [('a', 'b', 'c')[i % 3] for i in range(rows)]})\n" +
  "raw.to_csv('raw.csv', index=False)";
const train = (C: number, accuracy: number): string =>
  '%%track --name train\n' +
  `C = ${C}\n` +
  "data = pd.read_csv('raw.csv')\n" +
  `losses = [ml.log_metric('loss', 1 / (step + 1) + ${C / 10}, step=step) for step in range(5)]\n` +
  `ml.log_metric('accuracy', ${accuracy})`;

/**
 * A notebook of code cells, written to the server before it is opened: a kernel learns
 * its notebook's path when it starts, so a notebook renamed later would be recorded
 * under its first name.
 */
async function openNotebook(
  page: IJupyterLabPageFixture,
  path: string,
  cells: string[]
): Promise<void> {
  const notebook = {
    cells: cells.map((source, index) => ({
      cell_type: 'code',
      id: `cell-${index}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source
    })),
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', path);
  await page.notebook.openByPath(path);
  await page.notebook.activate(path.split('/').pop()!);
}

/** Masks for what differs from one run of the tests to the next: run ids and times. */
function volatile(page: IJupyterLabPageFixture): Locator[] {
  return [page.getByText(/[0-9a-f]{8}|ago$|\d:\d\d/)];
}

const panel = (page: IJupyterLabPageFixture): Locator =>
  page.locator('#mlops-jlab-panel');
const runRows = (page: IJupyterLabPageFixture): Locator =>
  panel(page).locator('[role="row"][data-run-id]');

/** In the panel, open the only run named `name` and press its Open cell button. */
async function openCellOf(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  await page.sidebar.openTab('mlops-jlab-panel');
  const filter = panel(page).getByLabel('Filter runs');
  await filter.fill(`name = '${name}'`);
  await filter.press('Enter');
  await expect(runRows(page)).toHaveCount(1);
  await runRows(page).first().click();
  await page
    .locator('.jp-MlopsRunDetail')
    .getByRole('button', { name: 'Open cell' })
    .click();
}

test.describe('tracked cells in the MLOps panel', () => {
  test('given a notebook with tracked cells, the panel shows its runs live, filters, compares, draws the lineage and diffs the dataset', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/experiment.ipynb`, [
      LOAD,
      prepare(60),
      train(0.5, 0.81)
    ]);
    await page.sidebar.openTab('mlops-jlab-panel');
    await expect(panel(page).getByText('%%track').first()).toBeVisible();
    await page.notebook.run();

    // Live: the runs arrive without anyone pressing refresh.
    await expect(runRows(page)).toHaveCount(2);

    // A second training with another C, then the data changes under the first two.
    await page.notebook.setCell(2, 'code', train(2, 0.86));
    await page.notebook.runCell(2);
    await page.notebook.setCell(1, 'code', prepare(90));
    await page.notebook.runCell(1);
    await page.notebook.runCell(2);
    await expect(runRows(page)).toHaveCount(5);
    await expect(panel(page).locator('.jp-MlopsRuns-count')).toContainText('5');

    // Filter with the query language; a mistake is explained where it was typed.
    const filter = panel(page).getByLabel('Filter runs');
    await filter.fill('params.C >');
    await filter.press('Enter');
    await expect(
      panel(page).locator('.jp-MlopsRuns-filterError [role="alert"]')
    ).toBeVisible();
    await filter.fill('params.C = 2');
    await filter.press('Enter');
    await expect(runRows(page)).toHaveCount(2);
    await expect(
      panel(page).locator('.jp-MlopsRuns-filterError [role="alert"]')
    ).toHaveCount(0);

    // The two C = 2 runs read different versions of raw.csv: compare them.
    for (const row of await runRows(page).all()) {
      await row.getByRole('checkbox').check();
    }
    await panel(page)
      .getByRole('button', { name: /Compare/ })
      .click();
    const compare = page.locator('.jp-MlopsCompare');
    await expect(compare).toBeVisible();
    const params = compare.getByLabel('Params');
    await expect(params.locator('[data-key="C"]')).toBeVisible();
    await compare.getByLabel('Differences only').check();
    await expect(params.locator('[data-key="C"]')).toHaveCount(0);
    await compare.getByLabel('Differences only').uncheck();
    await expect(params.locator('[data-key="C"]')).toBeVisible();
    await expect(compare.getByLabel('Input datasets')).toContainText('raw.csv');
    await expect(compare.locator('figure.jp-MlopsChart').first()).toBeVisible();

    // The first training's run: stale, with its cell one click away.
    await filter.fill("name = 'train'");
    await filter.press('Enter');
    await expect(runRows(page)).toHaveCount(3);
    await runRows(page).last().click();
    const detail = page.locator('.jp-MlopsRunDetail');
    await expect(detail).toBeVisible();
    await expect(detail).toContainText('raw.csv');
    await detail.getByRole('button', { name: 'Lineage' }).click();
    const lineage = page.locator('.jp-MlopsLineage[data-laid-out="true"]');
    await expect(lineage).toBeVisible();
    await expect(lineage.locator('g[data-kind="run"]').first()).toBeVisible();
    await expect(
      lineage.locator('g[data-kind="dataset_version"]').first()
    ).toBeVisible();

    // Datasets: the two versions of raw.csv, diffed.
    await panel(page).getByRole('tab', { name: 'Datasets' }).click();
    const dataset = panel(page).locator(`[data-dataset="${tmpPath}/raw.csv"]`);
    await dataset.click();
    const versions = panel(page).locator('[data-version-id]');
    await expect(versions).toHaveCount(2);
    for (const version of await versions.all()) {
      await version.getByRole('checkbox').check();
    }
    await panel(page)
      .getByRole('button', { name: 'Diff', exact: true })
      .click();
    const diff = page.locator('.jp-MlopsDatasetDiff');
    await expect(diff).toBeVisible();
    // The first diff of a server's life loads SciPy for the drift statistics.
    await expect(diff).toContainText('60', { timeout: 30000 });
    await expect(diff).toContainText('90');
    await expect(diff.locator('[data-column="x"]')).toBeVisible();
  });
});

test.describe('open cell', () => {
  test('given a run of a notebook cell, when Open cell is clicked, then the notebook opens on that cell', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/open-cell.ipynb`, [
      LOAD,
      '# nothing to see',
      '%%track --name find-me\nfound = 1'
    ]);
    await page.notebook.run();
    await page.notebook.save();
    await page.notebook.close();
    await openCellOf(page, 'find-me');
    const active = page.locator('.jp-NotebookPanel .jp-Cell.jp-mod-active');
    await expect(active).toContainText('find-me');
  });
});

test.describe('open cell of a renamed notebook', () => {
  test('given a notebook renamed after its kernel started, when Open cell is clicked, then its open notebook shows the cell', async ({
    page
  }) => {
    // Galata names a new notebook after its kernel has started: the kernel records the
    // notebook under its first name.
    await page.notebook.createNew('renamed.ipynb');
    await page.notebook.setCell(0, 'code', LOAD);
    await page.notebook.addCell(
      'code',
      '%%track --name renamed-cell\nfound = 2'
    );
    await page.notebook.run();
    await openCellOf(page, 'renamed-cell');
    const active = page.locator(
      '.jp-NotebookPanel:visible .jp-Cell.jp-mod-active'
    );
    await expect(active).toContainText('renamed-cell');
  });
});

test.describe('both themes', () => {
  for (const theme of ['light', 'dark']) {
    test(`given the runs of the first test, the panel and the views look right in the ${theme} theme`, async ({
      page
    }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await page.sidebar.openTab('mlops-jlab-panel');
      const filter = panel(page).getByLabel('Filter runs');
      await filter.fill("name = 'train'");
      await filter.press('Enter');
      await expect(runRows(page)).toHaveCount(3);
      const shot = { mask: volatile(page), maxDiffPixelRatio: 0.02 };
      await expect(panel(page)).toHaveScreenshot(`panel-${theme}.png`, shot);

      const ids = await runRows(page).evaluateAll(rows =>
        rows.map(row => row.getAttribute('data-run-id')!)
      );
      const run = (command: string, args: Record<string, unknown>) =>
        page.evaluate(
          async ({ command, args }) => {
            await window.jupyterapp.commands.execute(command, args as any);
          },
          { command, args }
        );
      await run('mlops-jlab:compare-runs', { runIds: ids });
      const compare = page.locator('.jp-MlopsCompare');
      await expect(
        compare.locator('figure.jp-MlopsChart svg').first()
      ).toBeVisible();
      await expect(page.locator('.jp-MainAreaWidget:visible')).toHaveScreenshot(
        `compare-${theme}.png`,
        shot
      );

      await run('mlops-jlab:open-lineage', { kind: 'run', nodeId: ids[2] });
      await expect(
        page.locator('.jp-MlopsLineage[data-laid-out="true"]')
      ).toBeVisible();
      await expect(page.locator('.jp-MainAreaWidget:visible')).toHaveScreenshot(
        `lineage-${theme}.png`,
        shot
      );

      await panel(page).getByRole('tab', { name: 'Datasets' }).click();
      await panel(page).locator('[data-dataset$="/raw.csv"]').click();
      const versions = panel(page).locator('[data-version-id]');
      await expect(versions).toHaveCount(2);
      for (const version of await versions.all()) {
        await version.getByRole('checkbox').check();
      }
      await expect(panel(page)).toHaveScreenshot(`datasets-${theme}.png`, shot);
      await panel(page)
        .getByRole('button', { name: 'Diff', exact: true })
        .click();
      const diff = page.locator('.jp-MlopsDatasetDiff');
      await expect(diff.locator('[data-column="x"]')).toBeVisible({
        timeout: 30000
      });
      await expect(page.locator('.jp-MainAreaWidget:visible')).toHaveScreenshot(
        `dataset-diff-${theme}.png`,
        shot
      );
    });
  }
});
