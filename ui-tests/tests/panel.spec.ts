import { expect, test } from '@jupyterlab/galata';

test.describe('MLOps side panel', () => {
  test('given a fresh store, when the panel is opened, then it shows the version and the store', async ({
    page
  }) => {
    await page.click('.jp-SideBar [data-id="mlops-jlab-panel"]');
    const panel = page.locator('#mlops-jlab-panel');
    await expect(panel).toBeVisible();
    await expect(panel.locator('[data-field="version"]')).toHaveText('0.1.0');
    await expect(panel.locator('[data-field="kind"]')).toHaveText('sqlite');
    await expect(panel.locator('[data-field="url"]')).toContainText(
      'mlops.sqlite'
    );
    await expect(panel.locator('[data-field="runs"]')).toHaveText('0');
    await expect(panel.getByText(/No runs yet/)).toBeVisible();
    await panel.screenshot({ path: 'test-results/panel-light.png' });
  });
});
