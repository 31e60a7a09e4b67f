/**
 * Galata in Debian's Chromium (/usr/bin/chromium): Playwright never downloads a browser,
 * and video and traces are off because they need downloads too.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// The server's port: 8888, or MLOPS_JLAB_UI_PORT when another checkout's tests hold it.
const port = process.env.MLOPS_JLAB_UI_PORT || '8888';

module.exports = {
  ...baseConfig,
  // The tests share one server and its store, and count the runs they make.
  workers: 1,
  // The tracking tests count every run of the store, so they run first, on an empty one;
  // the pipelines and registry tests look only at what they make themselves.
  // Screenshots are named as before there were projects: by the test file and platform.
  snapshotPathTemplate:
    '{testDir}/{testFileDir}/{testFileName}-snapshots/{arg}-{platform}{ext}',
  projects: [
    { name: 'tracking', testMatch: 'mlops.spec.ts' },
    {
      name: 'pipelines-and-models',
      testMatch: ['jobs.spec.ts', 'models.spec.ts'],
      dependencies: ['tracking']
    }
  ],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking']
    }
  },
  webServer: {
    command: 'jlpm start',
    url: `http://localhost:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
