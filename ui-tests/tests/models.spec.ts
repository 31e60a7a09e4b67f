import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import { openNotebook } from './notebooks';

/**
 * The approval gate in the Models tab: a notebook trains two scikit-learn models under
 * %%track --model, registers them as versions 1 and 2 of churn, writes a drifted new
 * version of their training data (so the server recommends retraining both), and makes
 * transition requests (one approved, one rejected, two pending with an ease.ml/ci
 * report); a person then approves one in the panel, and dismisses and accepts the
 * retraining recommendations. The first tests record what the others show.
 */

const CELLS = [
  'import mlops_jlab as ml\nimport pandas as pd\n%load_ext mlops_jlab',
  'from sklearn.datasets import make_classification\n' +
    'X, y = make_classification(n_samples=3000, n_features=4, n_informative=3, n_redundant=0, flip_y=0.05, random_state=0)\n' +
    "frame = pd.DataFrame(X, columns=['a', 'b', 'c', 'd'])\n" +
    "frame['label'] = y\n" +
    "frame.iloc[:1000].to_csv('train.csv', index=False)\n" +
    'test = frame.iloc[1000:].reset_index(drop=True)',
  '%%track --name stump --model clf --register churn\n' +
    'from sklearn.tree import DecisionTreeClassifier\n' +
    "data = pd.read_csv('train.csv')\n" +
    "clf = DecisionTreeClassifier(max_depth=1).fit(data[['a', 'b', 'c', 'd']], data['label'])",
  '%%track --name forest --model clf --register churn\n' +
    'from sklearn.ensemble import RandomForestClassifier\n' +
    "data = pd.read_csv('train.csv')\n" +
    "clf = RandomForestClassifier(n_estimators=20, random_state=0).fit(data[['a', 'b', 'c', 'd']], data['label'])",
  '%%track --name new-data\n' +
    'shifted = frame.iloc[:1000].copy()\n' +
    "shifted['a'] = shifted['a'] + 2\n" +
    "shifted.to_csv('train.csv', index=False)",
  "first = ml.request_transition('churn', 1, 'champion', reason='the first model')\n" +
    "ml.approve(first.id, 'a baseline to beat')\n" +
    "early = ml.request_transition('churn', 2, 'production', reason='straight to production')\n" +
    "ml.reject(early.id, 'not before it is champion')\n" +
    "check = dict(test=test, target='label', reliability=0.9, steps=4)\n" +
    "ml.request_transition('churn', 2, 'champion', 'n - o > 0.02 +/- 0.1', reason='the forest beats the stump', **check)\n" +
    "ml.request_transition('churn', 2, 'production', 'n > 0.7 +/- 0.1', reason='good enough to serve', **check)\n" +
    "print('requests made')"
];

/** A notebook of code cells, written to the server, opened and run to its end. */
async function runNotebook(
  page: IJupyterLabPageFixture,
  path: string
): Promise<void> {
  await openNotebook(page, path, CELLS);
  await page.notebook.run();
  await expect(
    page.locator('.jp-OutputArea-output').getByText('requests made')
  ).toBeVisible({ timeout: 120000 });
}

const panel = (page: IJupyterLabPageFixture): Locator =>
  page.locator('#mlops-jlab-panel');
const churn = (page: IJupyterLabPageFixture): Locator =>
  panel(page).locator('[data-model="churn"]');
/** The pending request of churn v2 to `alias`. */
const requestTo = (page: IJupyterLabPageFixture, alias: string): Locator =>
  panel(page)
    .locator('[data-request-id]')
    .filter({ hasText: `v2 → ${alias}` });

/** The recommendation on churn v`version`. */
const recommendationOn = (
  page: IJupyterLabPageFixture,
  version: number
): Locator =>
  panel(page)
    .locator('[data-recommendation-id]')
    .filter({ has: page.getByText(new RegExp(`^#\\d+ v${version}$`)) });

/** The Models tab with churn opened (the list refreshed first). */
async function openChurn(page: IJupyterLabPageFixture): Promise<void> {
  await page.sidebar.openTab('mlops-jlab-panel');
  await panel(page).getByRole('tab', { name: 'Models' }).click();
  await panel(page).getByRole('button', { name: 'Refresh models' }).click();
  await churn(page).click();
  await expect(
    panel(page).locator('[data-model-detail="churn"]')
  ).toBeVisible();
}

/** Masks for what differs from one run of the tests to the next: run ids and times. */
function volatile(page: IJupyterLabPageFixture): Locator[] {
  return [page.getByText(/[0-9a-f]{8}|ago$|\d:\d\d/)];
}

test.describe('the approval gate in the Models tab', () => {
  test('given a pending request with its check, when approved in the panel with a comment, then the alias moves and the decision is in the history', async ({
    page,
    tmpPath
  }) => {
    await runNotebook(page, `${tmpPath}/models.ipynb`);
    await openChurn(page);

    // The list: latest version, the champion, the requests waiting.
    await expect(churn(page)).toContainText('v2');
    await expect(churn(page)).toContainText('champion: v1');
    await expect(churn(page)).toContainText('2 pending');

    // The request and its ease.ml/ci report.
    const request = requestTo(page, 'champion');
    await expect(request).toContainText('now v1');
    await expect(request).toContainText('the forest beats the stump');
    const report = request.getByLabel('Check report');
    await expect(report).toContainText('n - o > 0.02 +/- 0.1');
    await expect(report).toContainText('outcome pass');
    await expect(report).toContainText('decision pass');
    await expect(report).toContainText('2,000 used, 1,016 needed');
    await expect(report).toContainText('3 of 4 checks left');
    await expect(report.getByRole('listitem')).toHaveCount(1);
    await expect(report.getByRole('listitem')).toContainText('clause pass');

    // The history holds the decisions the notebook made.
    const history = panel(page).getByRole('list', { name: 'History' });
    await expect(history).toContainText('not before it is champion');
    await expect(history).toContainText('a baseline to beat');

    // A rejection without a comment is refused in the dialog, which stays.
    await requestTo(page, 'production')
      .getByRole('button', { name: 'Reject' })
      .click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await expect(dialog.getByRole('alert')).toContainText(
      'needs a comment saying why'
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(requestTo(page, 'production')).toBeVisible();

    // Approve, with a comment.
    await request.getByRole('button', { name: 'Approve' }).click();
    await dialog.locator('textarea').fill('the forest wins on the test set');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(churn(page)).toContainText('champion: v2');
    await expect(churn(page)).toContainText('1 pending');
    await expect(requestTo(page, 'champion')).toHaveCount(0);
    const latest = history.getByRole('listitem').first();
    await expect(latest).toContainText(/moved champion to v2 \(was v1\)/);
    const approval = history
      .getByRole('listitem')
      .filter({ hasText: /approved request #\d+: champion to v2/ });
    await expect(approval).toContainText('the forest wins on the test set');
    const v2 = panel(page).locator('[data-model-version="2"]');
    await expect(v2.locator('[data-alias="champion"]')).toBeVisible();

    // The version's source run, training data and lineage are one click away.
    await v2.getByRole('button', { name: /^Open run/ }).click();
    await expect(page.locator('.jp-MlopsRunDetail')).toContainText('forest');
    await v2.getByRole('button', { name: /Lineage of v2 of churn/ }).click();
    const lineage = page.locator('.jp-MlopsLineage[data-laid-out="true"]');
    await expect(
      lineage.locator('g[data-kind="model_version"]').first()
    ).toBeVisible();
    await panel(page).getByRole('tab', { name: 'Models' }).click();
    await v2.getByRole('button', { name: /training data of v2/ }).click();
    await expect(
      panel(page).getByRole('tab', { name: 'Datasets' })
    ).toHaveAttribute('aria-selected', 'true');
    await expect(
      panel(page).locator('.jp-MlopsDatasets-version.jp-mod-selected')
    ).toBeVisible();
  });
});

test.describe('retraining recommendations in the Models tab', () => {
  test('given new training data that drifted, when one recommendation is dismissed with a reason and the other accepted, then both decisions are recorded', async ({
    page
  }) => {
    await openChurn(page);
    // New data of train.csv: both watched versions (v2 the champion and latest, v1 the
    // one trained before it) get a pending recommendation to retrain.
    await expect(churn(page)).toContainText('2 recommendations');
    const onV2 = recommendationOn(page, 2);
    await expect(onV2.locator('[data-action]')).toHaveText('retrain');
    await expect(onV2.locator('[data-status]')).toHaveText('pending');
    await expect(onV2).toContainText('new training data');
    await expect(onV2).toContainText(/train\.csv@v1.*→.*train\.csv@v2/);
    await expect(onV2.getByLabel('Reasons')).toContainText(
      'column a drifted: PSI'
    );
    await expect(
      onV2
        .getByRole('table', { name: 'Drifted columns' })
        .locator('[data-drifted-column="a"]')
    ).toContainText(/PSI \d\.\d{3}, KS \d\.\d{3}/);

    // A dismissal without a reason is refused in the dialog, which asks again.
    await onV2.getByRole('button', { name: 'Dismiss' }).click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByRole('button', { name: 'Dismiss' }).click();
    await expect(dialog.getByRole('alert')).toContainText(
      'needs a reason saying why'
    );
    await dialog.locator('textarea').fill('the shift is planned: a new sensor');
    await dialog.getByRole('button', { name: 'Dismiss' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(onV2.locator('[data-status]')).toHaveText('dismissed');
    await expect(onV2).toContainText(/dismissed by \S+/);
    await expect(onV2).toContainText('the shift is planned: a new sensor');
    await expect(onV2.getByRole('button', { name: 'Dismiss' })).toHaveCount(0);
    await expect(churn(page)).toContainText('1 recommendation');

    // Accepting the other (v1 was not trained by a job) tags v1 for retraining.
    const onV1 = recommendationOn(page, 1);
    await onV1.getByRole('button', { name: 'Accept' }).click();
    await dialog.getByRole('button', { name: 'Accept' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(onV1.locator('[data-status]')).toHaveText('accepted');
    await expect(onV1).toContainText(
      'retraining requested: v1 is tagged retrain'
    );
    await expect(churn(page)).not.toContainText('recommendation');

    // Both decisions are in the model's history, with the reason.
    const history = panel(page).getByRole('list', { name: 'History' });
    const dismissal = history
      .getByRole('listitem')
      .filter({ hasText: /dismissed recommendation #\d+ \(retrain\) for v2/ });
    await expect(dismissal).toContainText('the shift is planned: a new sensor');
    await expect(history).toContainText(
      /accepted recommendation #\d+ \(retrain\) for v1/
    );
  });
});

test.describe('the Models tab in both themes', () => {
  for (const theme of ['light', 'dark']) {
    test(`given the requests and recommendations of the first tests, the Models tab looks right in the ${theme} theme`, async ({
      page
    }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await openChurn(page);
      await expect(requestTo(page, 'production')).toBeVisible();
      await expect(panel(page)).toHaveScreenshot(`models-${theme}.png`, {
        mask: volatile(page),
        maxDiffPixelRatio: 0.02
      });
      // The dismissed recommendation: its badges, the data compared, reasons and figures.
      const dismissed = recommendationOn(page, 2);
      await dismissed.scrollIntoViewIfNeeded();
      await expect(dismissed).toHaveScreenshot(`recommendation-${theme}.png`, {
        mask: volatile(page),
        maxDiffPixelRatio: 0.02
      });
    });
  }
});
