import { act, fireEvent, screen, within } from '@testing-library/react';
import { Widget } from '@lumino/widgets';

import { IStatus } from '../api/types';
import { MlopsPanel } from '../panel/MlopsPanel';
import { FakeJobsClient } from './jobsFixtures';
import { emptyModelsClient } from './modelsFixtures';
import { FakeRunsClient, makeRuns, settle } from './runsFixtures';

const status: IStatus = {
  version: '0.1.0',
  store: {
    kind: 'sqlite',
    url: 'sqlite:////home/ada/project/.mlops/mlops.sqlite',
    artifacts: '/home/ada/project/.mlops/artifacts',
    source: 'found /home/ada/project/.mlops'
  },
  counts: {
    experiments: 1,
    runs: 30,
    runs_complete: true,
    datasets: 0,
    models: 0
  }
};

function fakeClient() {
  const runs = new FakeRunsClient(makeRuns(30));
  return {
    runs,
    client: {
      listRuns: runs.listRuns,
      countRuns: runs.countRuns,
      listDatasets: jest.fn(async () => []),
      listDatasetVersions: jest.fn(async () => []),
      getDatasetVersion: jest.fn(),
      ...new FakeJobsClient(),
      ...emptyModelsClient(),
      getStatus: jest.fn(async () => status)
    }
  };
}

async function attach(panel: MlopsPanel): Promise<void> {
  await act(async () => {
    Widget.attach(panel, document.body);
    await settle(10);
  });
}

describe('MlopsPanel', () => {
  let panel: MlopsPanel | null = null;

  afterEach(() => {
    if (panel) {
      act(() => panel!.dispose());
      panel = null;
    }
  });

  it('given the panel shown, then the Runs tab is current and runs are listed, then the store status is asked', async () => {
    const { client } = fakeClient();
    panel = new MlopsPanel({
      client,
      commands: { execute: jest.fn() },
      settings: { pageSize: 50, refreshInterval: 0 }
    });
    panel.id = 'mlops-jlab-panel';
    await attach(panel);

    const runsTab = screen.getByRole('tab', { name: 'Runs' });
    const datasetsTab = screen.getByRole('tab', { name: 'Datasets' });
    expect(runsTab.getAttribute('aria-selected')).toBe('true');
    expect(datasetsTab.getAttribute('aria-selected')).toBe('false');
    expect(client.listRuns).toHaveBeenCalledWith(
      { page_size: 50 },
      { signal: expect.any(AbortSignal) }
    );
    expect(
      document.querySelector('#mlops-jlab-panel .jp-MlopsRuns-count')
        ?.textContent
    ).toBe('30 runs');
    expect(client.getStatus).toHaveBeenCalledTimes(1);
    expect(client.listDatasets).not.toHaveBeenCalled();
  });

  it('given the Datasets tab, when chosen, then datasets load and the runs stop refreshing', async () => {
    const { client } = fakeClient();
    panel = new MlopsPanel({
      client,
      commands: { execute: jest.fn() },
      settings: { refreshInterval: 5 }
    });
    await attach(panel);
    expect(panel.runs.polling).toBe(true);

    await act(async () => {
      fireEvent.click(screen.getByRole('tab', { name: 'Datasets' }));
      await settle(10);
    });

    expect(
      screen
        .getByRole('tab', { name: 'Datasets' })
        .getAttribute('aria-selected')
    ).toBe('true');
    expect(client.listDatasets).toHaveBeenCalledTimes(1);
    expect(panel.runs.polling).toBe(false);
    expect(
      within(screen.getByRole('tabpanel', { name: 'Datasets' })).getByText(
        /No datasets yet/
      )
    ).toBeTruthy();
  });

  it('given the Models tab, when reached with the arrow keys, then the models load once', async () => {
    const { client } = fakeClient();
    panel = new MlopsPanel({
      client,
      commands: { execute: jest.fn() },
      settings: { refreshInterval: 0 }
    });
    panel.id = 'mlops-jlab-panel';
    await attach(panel);
    expect(client.listModels).not.toHaveBeenCalled();

    // Left from Runs wraps round to the last tab, Jobs; once more is Models
    for (const from of ['Runs', 'Jobs']) {
      await act(async () => {
        fireEvent.keyDown(screen.getByRole('tab', { name: from }), {
          key: 'ArrowLeft'
        });
        await settle(10);
      });
    }

    expect(
      screen.getByRole('tab', { name: 'Models' }).getAttribute('aria-selected')
    ).toBe('true');
    expect(client.listModels).toHaveBeenCalledTimes(1);
    expect(client.listTransitionRequests).toHaveBeenCalledWith({
      status: 'pending'
    });
    expect(
      within(screen.getByRole('tabpanel', { name: 'Models' })).getByText(
        'Protected: champion, production'
      )
    ).toBeTruthy();
  });

  it('given a shown panel, when hidden, then the live refresh stops; when shown again, it resumes', async () => {
    const { client } = fakeClient();
    panel = new MlopsPanel({
      client,
      commands: { execute: jest.fn() },
      settings: { refreshInterval: 2 }
    });
    await attach(panel);
    expect(panel.runs.polling).toBe(true);

    await act(async () => {
      panel!.hide();
      await settle();
    });
    expect(panel.runs.polling).toBe(false);

    await act(async () => {
      panel!.show();
      await settle();
    });
    expect(panel.runs.polling).toBe(true);
  });

  it('given new settings, then the page size and refresh interval follow them', async () => {
    const { client } = fakeClient();
    panel = new MlopsPanel({ client, commands: { execute: jest.fn() } });
    await attach(panel);

    panel.setSettings({ pageSize: 5000, refreshInterval: 0 });

    expect(panel.runs.pageSize).toBe(1000);
    expect(panel.runs.refreshInterval).toBe(0);
    expect(panel.runs.polling).toBe(false);
  });
});
