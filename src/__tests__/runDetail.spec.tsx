import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { IMetricHistory, IRunDetail } from '../api/types';
import { RunDetail } from '../runs/RunDetail';
import { VEGALITE_MIME } from '../shared/charts';
import { CommandIDs } from '../shared/commands';

function detail(extra: Partial<IRunDetail> = {}): IRunDetail {
  return {
    id: 'abcdef0123456789',
    name: 'train [3]',
    experiment: 'iris',
    status: 'finished',
    kind: 'cell',
    start_time: Date.UTC(2024, 0, 2, 10, 0, 0),
    end_time: Date.UTC(2024, 0, 2, 10, 0, 4),
    duration: 4.2,
    user: 'ada',
    notebook_path: 'notebooks/train.ipynb',
    cell_id: 'cell-1',
    parent_id: null,
    job_id: null,
    git_commit: '0123456789abcdef0123',
    deleted_at: null,
    params: { lr: '0.1', model: 'logreg' },
    metrics: { accuracy: 0.9512345678, loss: 0.2 },
    tags: { team: 'ml' },
    stale_reasons: [],
    execution_count: 3,
    code: 'model.fit(x, y)\nscore = model.score(x, y)',
    code_hash: 'c0de',
    heartbeat: null,
    error: null,
    note: 'first try',
    environment: {
      hash: 'e'.repeat(32),
      python_version: '3.11.4',
      platform: 'Linux-x86_64',
      packages: 142
    },
    artifacts: [
      {
        name: 'scores.png',
        digest: 'd1',
        kind: 'figure',
        size: 2048,
        media_type: 'image/png',
        created_at: 0
      },
      {
        name: 'model.pkl',
        digest: 'd2',
        kind: 'model',
        size: 5_000_000,
        media_type: 'application/octet-stream',
        created_at: 0
      }
    ],
    ...extra
  };
}

function history(key: string, steps: number): IMetricHistory {
  return {
    run_id: 'abcdef0123456789',
    key,
    count: steps,
    downsampled: false,
    points: Array.from({ length: steps }, (_, step) => ({
      step,
      value: 1 / (step + 1),
      time: step
    }))
  };
}

async function show(
  getRun: () => Promise<IRunDetail>,
  execute: (...args: any[]) => Promise<unknown> = async () => undefined
) {
  const client = {
    getRun: jest.fn(getRun),
    getMetricHistory: jest.fn(async (_: string, key: string) =>
      history(key, key === 'loss' ? 5 : 1)
    ),
    artifactUrl: (digest: string) => `/mlops-jlab/api/artifacts/${digest}`
  };
  const commands = { execute: jest.fn(execute) };
  const rendermime = {
    mimeTypes: [VEGALITE_MIME],
    createRenderer: () => ({
      node: document.createElement('div'),
      renderModel: async () => undefined,
      dispose: () => undefined
    })
  } as any;
  let container: HTMLElement | undefined;
  await act(async () => {
    container = render(
      <RunDetail
        client={client}
        commands={commands as any}
        rendermime={rendermime}
        runId="abcdef0123456789"
      />
    ).container;
  });
  return { client, commands, container: container! };
}

describe('RunDetail', () => {
  it('given a run, then its name, status, params, metrics and tags are shown', async () => {
    const { container } = await show(async () => detail());
    const root = container.querySelector('.jp-MlopsRunDetail')!;
    expect(root.getAttribute('data-run-id')).toBe('abcdef0123456789');
    expect(screen.getByRole('heading', { name: 'train [3]' })).toBeTruthy();
    expect(screen.getByText('finished')).toBeTruthy();
    const params = screen.getByRole('table', { name: 'Params' });
    expect(within(params).getByText('logreg')).toBeTruthy();
    const metrics = screen.getByRole('table', { name: 'Metrics' });
    expect(within(metrics).getByText('0.95123')).toBeTruthy();
    expect(
      within(screen.getByRole('table', { name: 'Tags' })).getByText('ml')
    ).toBeTruthy();
    expect(screen.getByText('notebooks/train.ipynb')).toBeTruthy();
    expect(screen.getByText('4.2 s')).toBeTruthy();
    expect(screen.getByText('0123456789ab')).toBeTruthy();
    expect(screen.getByText('142 installed')).toBeTruthy();
    expect(screen.getByText('first try')).toBeTruthy();
    expect(screen.getByLabelText('Code').textContent).toContain(
      'model.fit(x, y)'
    );
  });

  it('given metric histories, then only a metric logged at several steps gets a chart', async () => {
    const { container, client } = await show(async () => detail());
    expect(client.getMetricHistory).toHaveBeenCalledTimes(2);
    const charts = container.querySelectorAll('.jp-MlopsRunDetail-chart');
    expect(Array.from(charts).map(c => c.getAttribute('data-metric'))).toEqual([
      'loss'
    ]);
    expect(container.querySelectorAll('figure.jp-MlopsChart').length).toBe(1);
  });

  it('given artifacts, then each has a download link and a figure is shown inline', async () => {
    const { container } = await show(async () => detail());
    const list = screen.getByLabelText('Artifacts');
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    const links = within(list).getAllByText('Download') as HTMLAnchorElement[];
    expect(links[1].getAttribute('href')).toBe('/mlops-jlab/api/artifacts/d2');
    expect(links[1].getAttribute('download')).toBe('model.pkl');
    expect(within(list).getByText(/4\.8 MB/)).toBeTruthy();
    const figures = container.querySelectorAll('img.jp-MlopsRunDetail-figure');
    expect(figures).toHaveLength(1);
    expect(figures[0].getAttribute('src')).toBe('/mlops-jlab/api/artifacts/d1');
    expect(figures[0].getAttribute('alt')).toBe('Figure scores.png');
  });

  it('given a notebook run, when Open cell is clicked, then its notebook and cell are opened', async () => {
    const { commands } = await show(async () => detail());
    const button = screen.getByText('Open cell') as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    await act(async () => {
      fireEvent.click(button);
    });
    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openCell, {
      path: 'notebooks/train.ipynb',
      cellId: 'cell-1'
    });
  });

  it('given a run without a notebook, then Open cell is disabled and says why', async () => {
    await show(async () => detail({ notebook_path: null, cell_id: null }));
    const button = screen.getByText('Open cell') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.parentElement!.title).toBe(
      'This run was not made by a notebook cell'
    );
  });

  it('given Lineage, when it is clicked, then the lineage of the run opens', async () => {
    const { commands } = await show(async () => detail());
    await act(async () => {
      fireEvent.click(screen.getByText('Lineage'));
    });
    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openLineage, {
      kind: 'run',
      nodeId: 'abcdef0123456789'
    });
  });

  it('given a cell no longer in its notebook, when Open cell is clicked, then the reason is shown', async () => {
    await show(
      async () => detail(),
      async () => {
        throw new Error(
          'The cell that made this run is no longer in train.ipynb'
        );
      }
    );
    await act(async () => {
      fireEvent.click(screen.getByText('Open cell'));
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'The cell that made this run is no longer in train.ipynb'
    );
  });

  it('given a failed, stale run, then the traceback and the stale reasons are shown', async () => {
    await show(async () =>
      detail({
        status: 'failed',
        error: 'Traceback (most recent call last):\nValueError: <bad>',
        stale_reasons: ['dataset iris has a newer version (v3)']
      })
    );
    expect(screen.getByLabelText('Error').textContent).toContain(
      'ValueError: <bad>'
    );
    expect(screen.getByRole('note').textContent).toContain(
      'dataset iris has a newer version (v3)'
    );
  });

  it('given an API error, then its message is shown, and Refresh recovers', async () => {
    let fail = true;
    const { client } = await show(async () => {
      if (fail) {
        throw new Error('Run abcdef0123456789 not found');
      }
      return detail();
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'Run abcdef0123456789 not found'
    );
    fail = false;
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Refresh the run'));
    });
    expect(client.getRun).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('table', { name: 'Params' })).toBeTruthy();
  });

  it('given a slow server, then a loading line is shown', () => {
    render(
      <RunDetail
        client={{
          getRun: () => new Promise<IRunDetail>(() => undefined),
          getMetricHistory: jest.fn(),
          artifactUrl: () => ''
        }}
        commands={{ execute: jest.fn() } as any}
        rendermime={null}
        runId="r"
      />
    );
    expect(screen.getByText('Loading ...')).toBeTruthy();
  });
});
