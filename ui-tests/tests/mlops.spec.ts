import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import { openNotebook } from './notebooks';

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

/*
 * What a new user hits first, in the panel and the views: a run's datasets, editing runs,
 * tabs named after what they show, the narrow panel, the command palette, %compare after
 * a reload and the dark theme's charts. The first test records the runs the others use:
 * cancer.csv in two versions, written by load-cancer and read by fit-cancer.
 */

const loadCancer = (rows: number, shift: number): string =>
  '%%track --name load-cancer\n' +
  `n = ${rows}\n` +
  `cancer = pd.DataFrame({'radius': [10 + ${shift} + (i % 17) * 0.7 for i in range(n)], 'label': [('benign', 'malignant')[i % 2] for i in range(n)]})\n` +
  "cancer.to_csv('cancer.csv', index=False)";
const fitCancer = (accuracy: number): string =>
  '%%track --name fit-cancer\n' +
  "data = pd.read_csv('cancer.csv')\n" +
  `ml.log_metric('accuracy', ${accuracy})`;

/** The label of the main area's current tab. */
const currentTab = (page: IJupyterLabPageFixture): Locator =>
  page.locator(
    '.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel'
  );

/** The main area's tabs whose label is exactly `label`. */
const tabsNamed = (page: IJupyterLabPageFixture, label: string): Locator =>
  page.locator('.lm-DockPanel-tabBar .lm-TabBar-tabLabel').filter({
    hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
  });

/** Show the runs whose names the filter matches, `count` of them. */
async function filterRuns(
  page: IJupyterLabPageFixture,
  filter: string,
  count: number
): Promise<void> {
  await page.sidebar.openTab('mlops-jlab-panel');
  await panel(page).getByRole('tab', { name: 'Runs' }).click();
  const box = panel(page).getByLabel('Filter runs');
  await box.fill(filter);
  await box.press('Enter');
  await expect(runRows(page)).toHaveCount(count);
}

/** Run a command as the palette or a menu would. */
async function command(
  page: IJupyterLabPageFixture,
  id: string,
  args: Record<string, unknown> = {}
): Promise<void> {
  await page.evaluate(
    async ({ id, args }) => {
      await window.jupyterapp.commands.execute(id, args as any);
    },
    { id, args }
  );
}

/** The name of the cancer.csv dataset the first newcomer test recorded. */
async function cancerDataset(page: IJupyterLabPageFixture): Promise<string> {
  return page.evaluate(async () => {
    const answer = await fetch('/mlops-jlab/api/datasets');
    const { datasets } = await answer.json();
    return datasets
      .map((d: { name: string }) => d.name)
      .find((name: string) => name.endsWith('/cancer.csv'));
  });
}

test.describe('a new user in the panel and the views', () => {
  // Real kernels and several views per test, on a machine that may be busy.
  test.describe.configure({ timeout: 120_000 });

  test('given runs that read and wrote a dataset, the run detail lists its versions with links to them and their diff, and every tab is named after what it shows, once', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/cancer.ipynb`, [
      LOAD,
      loadCancer(80, 0),
      fitCancer(0.9)
    ]);
    await page.notebook.run();
    await page.notebook.setCell(1, 'code', loadCancer(120, 3));
    await page.notebook.runCell(1);
    await page.notebook.runCell(2);
    await filterRuns(page, "name = 'fit-cancer'", 2);

    // The latest fit read cancer.csv v2: its detail says so, and links on.
    await runRows(page).first().locator('.jp-mod-name').click();
    const detail = page.locator('.jp-MlopsRunDetail');
    await expect(
      detail.getByRole('heading', { name: 'fit-cancer' })
    ).toBeVisible();
    await expect(currentTab(page)).toHaveText('fit-cancer');
    const datasets = detail.getByRole('table', { name: 'Datasets' });
    const read = datasets.locator('tbody tr');
    await expect(read).toHaveCount(1);
    await expect(read).toContainText(`${tmpPath}/cancer.csv`);
    await expect(read).toContainText('read');
    await expect(read).toContainText('120 × 2');

    await read.getByRole('button', { name: 'diff with v1' }).click();
    await expect(page.locator('.jp-MlopsDatasetDiff')).toBeVisible();
    await expect(currentTab(page)).toHaveText(`${tmpPath}/cancer.csv v1 → v2`, {
      timeout: 30000
    });

    await tabsNamed(page, 'fit-cancer').click();
    await read.getByRole('button', { name: 'v2' }).click();
    await expect(
      panel(page).getByRole('tab', { name: 'Datasets' })
    ).toHaveAttribute('aria-selected', 'true');
    await expect(
      panel(page).getByRole('group', {
        name: `Schema of ${tmpPath}/cancer.csv version 2`
      })
    ).toBeVisible();

    // The same run, lineage or comparison asked for again focuses its open tab.
    await filterRuns(page, "name = 'fit-cancer'", 2);
    await runRows(page).first().locator('.jp-mod-name').click();
    await expect(tabsNamed(page, 'fit-cancer')).toHaveCount(1);
    for (let i = 0; i < 2; i++) {
      await tabsNamed(page, 'fit-cancer').click();
      await detail.getByRole('button', { name: 'Lineage' }).click();
      await expect(currentTab(page)).toHaveText('Lineage of fit-cancer');
    }
    await expect(tabsNamed(page, 'Lineage of fit-cancer')).toHaveCount(1);
    const checks = runRows(page).getByRole('checkbox');
    for (const order of [
      [0, 1],
      [1, 0]
    ]) {
      const clear = panel(page).getByRole('button', {
        name: 'Clear the selection'
      });
      if (await clear.isVisible()) {
        await clear.click();
      }
      for (const index of order) {
        await checks.nth(index).check();
      }
      await panel(page)
        .getByRole('button', { name: /Compare/ })
        .click();
      await expect(currentTab(page)).toHaveText('Compare 2 runs of fit-cancer');
    }
    await expect(tabsNamed(page, 'Compare 2 runs of fit-cancer')).toHaveCount(
      1
    );
  });

  test('given a run detail, the run is renamed, tagged, noted, deleted and restored in place, and a blank name or a refused tag key shows the message of the server', async ({
    page
  }) => {
    // A filter the new name matches too: the live refresh keeps the renamed run listed.
    await filterRuns(page, "name LIKE 'load-cancer%'", 2);
    await runRows(page).first().locator('.jp-mod-name').click();
    const detail = page.locator('.jp-MlopsRunDetail');
    await expect(
      detail.getByRole('heading', { name: 'load-cancer' })
    ).toBeVisible();

    await detail.getByRole('button', { name: 'Rename the run' }).click();
    const name = detail.getByLabel('Run name');
    await name.fill('   ');
    await name.press('Enter');
    await expect(detail.getByRole('alert')).toContainText(
      'must hold a character that is not a space'
    );
    await name.fill('load-cancer-v2');
    await name.press('Enter');
    await expect(
      detail.getByRole('heading', { name: 'load-cancer-v2' })
    ).toBeVisible();
    await expect(currentTab(page)).toHaveText('load-cancer-v2');
    await expect(
      runRows(page).filter({ hasText: 'load-cancer-v2' })
    ).toHaveCount(1);

    await detail.getByRole('button', { name: 'Edit the tags' }).click();
    const tags = detail.getByLabel('Tags, one key=value per line');
    await tags.fill('bad\tkey=1');
    await detail.getByRole('button', { name: 'Save' }).click();
    await expect(detail.getByRole('alert')).toContainText('tags.bad');
    await tags.fill('stage=best\nowner=ada');
    await detail.getByRole('button', { name: 'Save' }).click();
    const tagTable = detail.getByRole('table', { name: 'Tags' });
    await expect(tagTable).toContainText('best');
    await expect(tagTable).toContainText('ada');

    await detail.getByRole('button', { name: 'Write a note' }).click();
    await detail.getByLabel('Note').fill('more rows, radius shifted by 3');
    await detail.getByRole('button', { name: 'Save' }).click();
    await expect(detail.locator('.jp-MlopsRunDetail-noteText')).toHaveText(
      'more rows, radius shifted by 3'
    );

    // Deleted: it says so, leaves the panel, and Undo brings it back.
    await detail.getByRole('button', { name: 'Delete' }).click();
    await expect(detail.locator('.jp-MlopsRunDetail-deleted')).toBeVisible();
    await expect(
      runRows(page).filter({ hasText: 'load-cancer-v2' })
    ).toHaveCount(0);
    const toast = page.locator('.Toastify__toast', {
      hasText: 'Run load-cancer-v2 deleted.'
    });
    await toast.getByRole('button', { name: 'Undo' }).click();
    await expect(detail.locator('.jp-MlopsRunDetail-deleted')).toHaveCount(0);
    await expect(
      runRows(page).filter({ hasText: 'load-cancer-v2' })
    ).toHaveCount(1);
  });

  test('given the runs table, its context menu, F2 and Delete edit runs, a refused edit explains itself in the dialog, and a deleted run is restored from its row', async ({
    page
  }) => {
    await filterRuns(page, "name LIKE 'fit-cancer%'", 2);
    const row = runRows(page).first();
    await row.locator('.jp-mod-name').click({ button: 'right' });
    const menu = page.locator('.lm-Menu');
    for (const item of [
      'Open Run',
      'Show Lineage',
      'Rename Run…',
      'Edit Tags…',
      'Edit Note…',
      'Delete Run'
    ]) {
      await expect(menu.getByText(item, { exact: true })).toBeVisible();
    }
    await menu.getByText('Rename Run…', { exact: true }).click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByLabel('New name').fill('');
    await dialog.getByLabel('New name').press('Enter');
    await expect(dialog.getByRole('alert')).toContainText('name');
    await dialog.getByLabel('New name').fill('fit-cancer-small');
    await dialog.getByLabel('New name').press('Enter');
    await expect(dialog).toHaveCount(0);
    await expect(
      runRows(page).filter({ hasText: 'fit-cancer-small' })
    ).toHaveCount(1);

    await runRows(page)
      .filter({ hasText: 'fit-cancer-small' })
      .locator('.jp-mod-name')
      .click({ button: 'right' });
    await menu.getByText('Edit Tags…', { exact: true }).click();
    const tagField = dialog.getByLabel('Tags, one key=value per line');
    await tagField.fill('bad\tkey=1');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByRole('alert')).toContainText('tags.bad');
    await tagField.fill('team=ml');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toHaveCount(0);

    // F2 renames the focused run and Delete deletes it, as in the file browser.
    const other = runRows(page).filter({ hasNotText: 'fit-cancer-small' });
    await other.focus();
    await page.keyboard.press('F2');
    await expect(dialog).toContainText('Rename run fit-cancer');
    await expect(dialog.getByLabel('New name')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await other.focus();
    await page.keyboard.press('Delete');
    await expect(runRows(page)).toHaveCount(1);
    await page
      .locator('.Toastify__toast', { hasText: 'Run fit-cancer deleted.' })
      .getByRole('button', { name: 'Undo' })
      .click();
    await expect(runRows(page)).toHaveCount(2);

    // Deleted from the menu, listed again with Deleted ticked, restored from its row.
    await runRows(page)
      .filter({ hasText: 'fit-cancer-small' })
      .locator('.jp-mod-name')
      .click({ button: 'right' });
    await menu.getByText('Delete Run', { exact: true }).click();
    await expect(runRows(page)).toHaveCount(1);
    await panel(page).getByRole('checkbox', { name: 'Deleted' }).check();
    const deleted = panel(page).locator('[role="row"][data-deleted="true"]');
    await expect(deleted).toHaveCount(1);
    await deleted.locator('.jp-mod-name').click({ button: 'right' });
    await expect(menu.getByText('Delete Run', { exact: true })).toBeHidden();
    await menu.getByText('Restore Run', { exact: true }).click();
    await expect(deleted).toHaveCount(0);
    await panel(page).getByRole('checkbox', { name: 'Deleted' }).uncheck();
    await expect(runRows(page)).toHaveCount(2);
  });

  test('given the narrow panel, the name stays in view while the table scrolls sideways, a whole header cell sorts, and the schema is compact', async ({
    page
  }) => {
    await filterRuns(page, "name LIKE 'fit-cancer%'", 2);
    const scroller = panel(page).locator('.jp-MlopsRuns-scroller');
    const name = runRows(page).first().locator('.jp-mod-name');
    const status = panel(page).getByRole('columnheader', { name: 'Status' });
    const before = (await name.boundingBox())!;
    const statusBefore = (await status.boundingBox())!;
    await scroller.evaluate(node => (node.scrollLeft = 300));
    await expect
      .poll(async () => (await status.boundingBox())!.x)
      .toBeLessThan(statusBefore.x - 100);
    const after = (await name.boundingBox())!;
    expect(after.x).toBeCloseTo(before.x, 0);
    expect(await name.getAttribute('title')).toMatch(
      /^fit-cancer(-small)?\n[0-9a-f]{32}$/
    );

    // The Status header sorts when clicked at its far edge, not only on its label (the
    // table scrolled so that the whole header is beside the frozen name).
    await scroller.evaluate(node => (node.scrollLeft = 60));
    const box = (await status.boundingBox())!;
    await page.mouse.click(box.x + box.width - 3, box.y + box.height / 2);
    await expect(status).toHaveAttribute('aria-sort', 'ascending');

    // The schema: two short lines per column, nothing pushed out of sight.
    await panel(page).getByRole('tab', { name: 'Datasets' }).click();
    await panel(page).locator('[data-dataset$="/cancer.csv"]').click();
    await panel(page)
      .locator('[data-version-id]')
      .first()
      .locator('.jp-MlopsDatasets-versionMain')
      .click();
    const schema = panel(page).locator('.jp-MlopsDatasets-schema');
    await expect(schema.locator('[data-column="radius"]')).toBeVisible();
    for (const column of await schema.locator('[data-column]').all()) {
      expect((await column.boundingBox())!.height).toBeLessThan(44);
    }
    const overflow = await schema.evaluate(
      table => table.scrollWidth - table.parentElement!.clientWidth
    );
    expect(overflow).toBeLessThanOrEqual(16);
  });

  test('given a lineage graph in a small pane, it is fitted again when the pane grows, and a selected node stays in view beside the details', async ({
    page
  }) => {
    await filterRuns(page, "name LIKE 'fit-cancer%'", 2);
    await page.setViewportSize({ width: 760, height: 700 });
    const runId = (await runRows(page).first().getAttribute('data-run-id'))!;
    await command(page, 'mlops-jlab:open-lineage', {
      kind: 'run',
      nodeId: runId
    });
    const graph = page.locator('.jp-MlopsLineage[data-laid-out="true"]');
    await expect(graph).toBeVisible();
    const scale = () =>
      graph
        .locator('svg.jp-MlopsLineage-svg > g')
        .evaluate(g =>
          Number(/scale\(([\d.e-]+)\)/.exec(g.getAttribute('transform')!)![1])
        );
    const small = await scale();
    await page.setViewportSize({ width: 1400, height: 800 });
    await expect.poll(scale).toBeGreaterThan(small * 1.2);
    const node = graph.locator('g[data-kind="run"]').first();
    await node.click();
    await expect(
      graph.locator('.jp-MlopsLineage-details:not(.jp-mod-empty)')
    ).toBeVisible();
    await expect
      .poll(async () => {
        const canvas = (await graph
          .locator('.jp-MlopsLineage-canvas')
          .boundingBox())!;
        const placed = (await node.boundingBox())!;
        return (
          placed.x >= canvas.x &&
          placed.x + placed.width <= canvas.x + canvas.width
        );
      })
      .toBe(true);
  });

  test('given the command palette, the panel does what it does from there, with shortcuts that clash with none of JupyterLab', async ({
    page
  }) => {
    await filterRuns(page, "name LIKE 'fit-cancer%'", 2);
    const runId = (await runRows(page).first().getAttribute('data-run-id'))!;
    const palette = async (label: string) => {
      await page.keyboard.press('Control+Shift+C');
      const search = page.locator('#command-palette .lm-CommandPalette-input');
      await search.fill(label);
      await page
        .locator('#command-palette .lm-CommandPalette-item', { hasText: label })
        .first()
        .click();
    };
    const dialog = page.locator('.jp-Dialog');

    // Open a run by the start of its id; a mistake is explained in the dialog.
    await palette('Open a Run by Id');
    await dialog.getByLabel('Run id').fill('zz');
    await dialog.getByLabel('Run id').press('Enter');
    await expect(dialog.getByRole('alert')).toContainText('is not a run id');
    await dialog.getByLabel('Run id').fill(runId.slice(0, 8));
    await dialog.getByLabel('Run id').press('Enter');
    await expect(
      page.locator(`.jp-MlopsRunDetail[data-run-id="${runId}"]`)
    ).toBeVisible();

    // The lineage of a dataset version, by name@vN.
    const dataset = await cancerDataset(page);
    await palette('Open the Lineage of a Run or Dataset');
    await dialog
      .getByLabel('Run id, dataset name, or name@v2')
      .fill(`${dataset}@v1`);
    await dialog.getByLabel('Run id, dataset name, or name@v2').press('Enter');
    await expect(currentTab(page)).toHaveText(`Lineage of ${dataset} v1`);

    // Filter, stale runs, compare the selected.
    await palette('Filter the Runs');
    await expect(panel(page).getByLabel('Filter runs')).toBeFocused();
    await palette('Show Only Stale Runs');
    await expect(
      panel(page).getByRole('checkbox', { name: 'Stale only' })
    ).toBeChecked();
    await palette('Show Only Stale Runs');
    await expect(
      panel(page).getByRole('checkbox', { name: 'Stale only' })
    ).not.toBeChecked();
    await expect(runRows(page)).toHaveCount(2);
    for (const check of await runRows(page).getByRole('checkbox').all()) {
      await check.check();
    }
    await palette('Compare the 2 Selected Runs');
    await expect(page.locator('.jp-MlopsCompare')).toBeVisible();

    // Ctrl+F in the panel goes to the filter box.
    await runRows(page).first().focus();
    await page.keyboard.press('Control+f');
    await expect(panel(page).getByLabel('Filter runs')).toBeFocused();

    // The shortcuts: F2, Delete and Accel F, each where no JupyterLab binding of the same
    // keys applies (on the element, inside it or around it).
    const clashes = await page.evaluate(() => {
      const bindings = window.jupyterapp.commands.keyBindings;
      const ours = bindings.filter(b => b.command.startsWith('mlops-jlab:'));
      const found: string[] = [];
      for (const mine of ours) {
        const target = document.querySelector(mine.selector);
        for (const other of bindings) {
          if (other === mine || other.keys.join(' ') !== mine.keys.join(' ')) {
            continue;
          }
          const applies =
            target !== null &&
            (target.closest(other.selector) !== null ||
              target.querySelector(other.selector) !== null);
          if (applies) {
            found.push(`${mine.command} ${mine.keys} vs ${other.command}`);
          }
        }
      }
      return {
        ours: ours.map(b => `${b.command}: ${b.keys.join(' ')}`).sort(),
        found
      };
    });
    expect(clashes.ours).toEqual([
      'mlops-jlab:delete-run: Delete',
      'mlops-jlab:filter-runs: Ctrl F',
      'mlops-jlab:rename-run: F2'
    ]);
    expect(clashes.found).toEqual([]);
  });

  test("given %compare's output out of view, when the page is reloaded, then its tabs still switch", async ({
    page,
    tmpPath
  }) => {
    await filterRuns(page, "name LIKE 'fit-cancer%'", 2);
    const ids = await runRows(page).evaluateAll(rows =>
      rows.map(row => row.getAttribute('data-run-id')!)
    );
    // Enough cells above it that the comparison is below the fold when the page loads.
    const filler = Array.from(
      { length: 30 },
      (_, i) => `# filler ${i}\nx = ${i}\n\n\n`
    );
    // The notebook opens through the file browser, which the panel hid.
    await page.sidebar.openTab('filebrowser');
    await openNotebook(page, `${tmpPath}/compare-reload.ipynb`, [
      LOAD,
      ...filler,
      `%compare ${ids[0]} ${ids[1]}`
    ]);
    await page.notebook.run();
    // The comparison, and its tab named `name` (whatever draws the tabs).
    const view = page
      .locator('.jp-OutputArea-output')
      .filter({ hasText: 'Comparing 2 runs' });
    const tab = (name: string) => view.getByText(name, { exact: true });
    await expect(tab('Metrics')).toBeAttached();
    await page.notebook.save();

    // Galata's reload waits for a Launcher by default; this page restores the notebook.
    await page.reload({ waitForIsReady: false } as any);
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    await expect(tab('Metrics')).toBeAttached({ timeout: 30000 });
    await view.scrollIntoViewIfNeeded();
    await tab('Metrics').click();
    await expect(view.getByText('Latest values')).toBeVisible();
    await expect(view.getByText('Differences only')).toBeHidden();
    await tab('Code').click();
    await expect(view.getByText(/Each run's cell against run 1/)).toBeVisible();
    await expect(view.getByText('Latest values')).toBeHidden();
  });

  for (const theme of ['light', 'dark']) {
    test(`given the new user's runs, the run detail, the schema, a narrow lineage and the drift chart look right in the ${theme} theme`, async ({
      page
    }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      const shot = { mask: volatile(page), maxDiffPixelRatio: 0.02 };
      await filterRuns(page, "name = 'load-cancer-v2'", 1);
      await runRows(page).first().locator('.jp-mod-name').click();
      const detail = page.locator('.jp-MlopsRunDetail');
      await expect(
        detail.getByRole('table', { name: 'Datasets' })
      ).toBeVisible();
      // Also masked: how long the run took, which differs from one test run to the next.
      await expect(page.locator('.jp-MainAreaWidget:visible')).toHaveScreenshot(
        `run-detail-${theme}.png`,
        {
          ...shot,
          mask: [...shot.mask, detail.getByText(/^\d+(\.\d+)? (ms|s)$/)]
        }
      );

      await panel(page).getByRole('tab', { name: 'Datasets' }).click();
      await panel(page).locator('[data-dataset$="/cancer.csv"]').click();
      await panel(page)
        .locator('[data-version-id]')
        .first()
        .locator('.jp-MlopsDatasets-versionMain')
        .click();
      await expect(panel(page).locator('[data-column="radius"]')).toBeVisible();
      // The dataset, its versions and the schema; not the other tests' datasets.
      await expect(
        panel(page).locator('li', {
          has: page.locator('[data-dataset$="/cancer.csv"]')
        })
      ).toHaveScreenshot(`dataset-schema-${theme}.png`, {
        ...shot,
        // Its facts name the file by the test server's temporary folder.
        mask: [...shot.mask, panel(page).locator('.jp-MlopsDatasets-facts')]
      });

      // A lineage in a narrow pane: the details go under the graph.
      await page.setViewportSize({ width: 800, height: 768 });
      const runId = (await detail.getAttribute('data-run-id'))!;
      await command(page, 'mlops-jlab:open-lineage', {
        kind: 'run',
        nodeId: runId
      });
      const graph = page.locator('.jp-MlopsLineage[data-laid-out="true"]');
      await graph.locator(`g[data-node-id="run:${runId}"]`).click();
      await expect(
        graph.locator('.jp-MlopsLineage-details:not(.jp-mod-empty)')
      ).toBeVisible();
      await expect(page.locator('.jp-MainAreaWidget:visible')).toHaveScreenshot(
        `lineage-narrow-${theme}.png`,
        shot
      );
      await page.setViewportSize({ width: 1024, height: 768 });

      // The drift chart of radius: v1 as readable as v2.
      const dataset = await cancerDataset(page);
      const versions = await page.evaluate(async name => {
        const answer = await fetch(
          `/mlops-jlab/api/datasets/${encodeURIComponent(name)}/versions`
        );
        return ((await answer.json()).versions as { id: number }[]).map(
          v => v.id
        );
      }, dataset);
      await command(page, 'mlops-jlab:diff-dataset-versions', {
        a: versions[0],
        b: versions[1]
      });
      const column = page.locator(
        '.jp-MlopsDatasetDiff [data-column="radius"]'
      );
      await column.scrollIntoViewIfNeeded();
      const chart = column.locator('figure.jp-MlopsChart');
      await expect(chart.locator('canvas, svg').first()).toBeVisible({
        timeout: 30000
      });
      await expect(chart).toHaveScreenshot(
        `dataset-diff-chart-${theme}.png`,
        shot
      );
    });
  }
});

/*
 * The end of a long runs table: End (or the scrollbar dragged to the bottom) asks for the
 * last page directly, `reverse=true`, never for the pages between; the count follows the
 * first rows. Last in the file: the runs it makes would change the counts of the others.
 */

const LONG_SWEEP = 700;
const longSweep =
  'import time\nimport mlops_jlab as ml\n' +
  `for i in range(${LONG_SWEEP}):\n` +
  "    with ml.start_run(name=f'end-{i:03d}', experiment='long-sweep'):\n" +
  "        ml.log_metric('accuracy', i / 1000)\n" +
  '    time.sleep(0.002)';

/** The `GET runs` requests the page sends from now on, as their query strings. */
function runsRequests(page: IJupyterLabPageFixture): URLSearchParams[] {
  const seen: URLSearchParams[] = [];
  page.on('request', request => {
    const url = new URL(request.url());
    if (
      request.method() === 'GET' &&
      url.pathname.endsWith('/mlops-jlab/api/runs')
    ) {
      seen.push(url.searchParams);
    }
  });
  return seen;
}

/** Show the long sweep's runs, newest first, and wait for its count. */
async function showLongSweep(page: IJupyterLabPageFixture): Promise<void> {
  await page.sidebar.openTab('mlops-jlab-panel');
  await panel(page).getByRole('tab', { name: 'Runs' }).click();
  const box = panel(page).getByLabel('Filter runs');
  await box.fill("experiment = 'long-sweep'");
  await box.press('Enter');
  await expect(runRows(page).first()).toContainText(`end-${LONG_SWEEP - 1}`);
  await expect(panel(page).locator('.jp-MlopsRuns-count')).toHaveText(
    `${LONG_SWEEP} runs`
  );
}

test.describe('the end of a long runs table', () => {
  test.describe.configure({ timeout: 120_000 });

  test('given 700 runs, when End is pressed in the table, then the oldest run shows after one reversed page, none between, and Home goes back', async ({
    page,
    tmpPath
  }) => {
    await openNotebook(page, `${tmpPath}/long-sweep.ipynb`, [longSweep]);
    await page.notebook.run();
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const filter = encodeURIComponent("experiment = 'long-sweep'");
            const answer = await fetch(
              `/mlops-jlab/api/runs/count?filter=${filter}`
            );
            return (await answer.json()).total;
          }),
        { timeout: 60_000 }
      )
      .toBe(LONG_SWEEP);
    await showLongSweep(page);

    const asked = runsRequests(page);
    await runRows(page).first().focus();
    await page.keyboard.press('End');
    const oldest = runRows(page).filter({ hasText: 'end-000' });
    await expect(oldest).toBeVisible();
    await expect(oldest).toBeFocused();
    await expect(runRows(page).last()).toContainText('end-000');
    const reversed = asked.filter(query => query.get('reverse') === 'true');
    expect(reversed).toHaveLength(1);
    // The refresh asks for the first page again; no page after it is asked.
    expect(asked.filter(query => query.has('page_token'))).toHaveLength(0);
    const shot = { mask: volatile(page), maxDiffPixelRatio: 0.02 };
    await expect(panel(page)).toHaveScreenshot('runs-end-light.png', shot);

    await page.keyboard.press('Home');
    await expect(runRows(page).first()).toContainText(`end-${LONG_SWEEP - 1}`);
    await expect(runRows(page).first()).toBeFocused();
    expect(asked.filter(query => query.has('page_token'))).toHaveLength(0);
  });

  test('given the long sweep in the dark theme, when the scrollbar is dragged to the bottom, then the oldest run shows after one reversed page', async ({
    page
  }) => {
    await page.theme.setDarkTheme();
    await showLongSweep(page);

    const asked = runsRequests(page);
    await panel(page)
      .locator('.jp-MlopsRuns-scroller')
      .evaluate(scroller => (scroller.scrollTop = scroller.scrollHeight));
    await expect(runRows(page).filter({ hasText: 'end-000' })).toBeVisible();
    expect(asked.filter(query => query.get('reverse') === 'true')).toHaveLength(
      1
    );
    expect(asked.filter(query => query.has('page_token'))).toHaveLength(0);
    const shot = { mask: volatile(page), maxDiffPixelRatio: 0.02 };
    await expect(panel(page)).toHaveScreenshot('runs-end-dark.png', shot);
  });
});
