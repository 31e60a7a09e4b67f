import { Notification } from '@jupyterlab/apputils';
import { Signal } from '@lumino/signaling';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { APIError } from '../api/request';
import { IMetricHistory, IRunDataset, IRunDetail } from '../api/types';
import { IRunDetailSource, RunDetail } from '../runs/RunDetail';
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
    datasets: [],
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
  execute: (...args: any[]) => Promise<unknown> = async () => undefined,
  edits: Partial<
    Pick<IRunDetailSource, 'updateRun' | 'deleteRun' | 'restoreRun'>
  > = {}
) {
  const client = {
    updateRun: jest.fn(
      edits.updateRun ?? (async () => Promise.reject(new Error('no edits')))
    ),
    deleteRun: jest.fn(
      edits.deleteRun ?? (async () => Promise.reject(new Error('no edits')))
    ),
    restoreRun: jest.fn(
      edits.restoreRun ?? (async () => Promise.reject(new Error('no edits')))
    ),
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
          updateRun: jest.fn(),
          deleteRun: jest.fn(),
          restoreRun: jest.fn(),
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

const DATASETS: IRunDataset[] = [
  {
    direction: 'input',
    id: 4,
    dataset: 'breast-cancer',
    version: 2,
    fingerprint: 'f'.repeat(32),
    role: 'train',
    n_rows: 569,
    n_columns: 31,
    previous_id: 1
  },
  {
    direction: 'output',
    id: 7,
    dataset: 'predictions',
    version: 1,
    fingerprint: 'e'.repeat(32),
    role: null,
    n_rows: 114,
    n_columns: null,
    previous_id: null
  }
];

describe('RunDetail datasets', () => {
  it('given a run that read and wrote datasets, then each shows its way, name, version, role and rows, with links to the version and to its diff', async () => {
    const { commands } = await show(async () => detail({ datasets: DATASETS }));
    const table = screen.getByRole('table', { name: 'Datasets' });
    const [read, wrote] = within(table).getAllByRole('row').slice(1);
    expect(read.textContent).toContain('read');
    expect(read.textContent).toContain('breast-cancer');
    expect(read.textContent).toContain('train');
    expect(read.textContent).toContain('569 × 31');
    expect(wrote.textContent).toContain('wrote');
    expect(wrote.textContent).toContain('114 rows');
    expect(wrote.textContent).toContain('first version');
    await act(async () => {
      fireEvent.click(within(read).getByRole('button', { name: 'v2' }));
    });
    expect(commands.execute).toHaveBeenCalledWith(
      CommandIDs.showDatasetVersion,
      { dataset: 'breast-cancer', versionId: 4 }
    );
    await act(async () => {
      fireEvent.click(
        within(read).getByRole('button', { name: 'diff with v1' })
      );
    });
    expect(commands.execute).toHaveBeenCalledWith(
      CommandIDs.diffDatasetVersions,
      { a: 1, b: 4 }
    );
  });

  it('given a run without datasets, then the section says so', async () => {
    await show(async () => detail());
    expect(screen.getByText(/No datasets recorded/)).toBeTruthy();
  });
});

describe('RunDetail edits', () => {
  it('given a rename, then the run as the server answers is shown', async () => {
    const { client } = await show(async () => detail(), undefined, {
      updateRun: async (_, update) => detail({ name: update.name! })
    });
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Rename the run'));
    });
    const field = screen.getByLabelText('Run name') as HTMLInputElement;
    expect(field.value).toBe('train [3]');
    fireEvent.change(field, { target: { value: '  baseline  ' } });
    await act(async () => {
      fireEvent.keyDown(field, { key: 'Enter' });
    });
    expect(client.updateRun).toHaveBeenCalledWith('abcdef0123456789', {
      name: 'baseline'
    });
    expect(screen.getByRole('heading', { name: 'baseline' })).toBeTruthy();
    expect(screen.queryByLabelText('Run name')).toBeNull();
  });

  it('given a blank name, then the message of the server is shown in place and the text stays', async () => {
    await show(async () => detail(), undefined, {
      updateRun: async () => {
        throw new APIError('name: Value error, must not be blank', 400);
      }
    });
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Rename the run'));
    });
    const field = screen.getByLabelText('Run name') as HTMLInputElement;
    fireEvent.change(field, { target: { value: '   ' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'name: Value error, must not be blank'
    );
    expect((screen.getByLabelText('Run name') as HTMLInputElement).value).toBe(
      '   '
    );
    // Escape leaves the name as it was.
    fireEvent.keyDown(screen.getByLabelText('Run name'), { key: 'Escape' });
    expect(screen.getByRole('heading', { name: 'train [3]' })).toBeTruthy();
  });

  it('given tags edited as lines, then only the changes are sent: new and changed values, null for a removed key', async () => {
    const { client } = await show(
      async () => detail({ tags: { team: 'ml', stage: 'dev' } }),
      undefined,
      {
        updateRun: async () => detail({ tags: { team: 'risk', owner: 'ada' } })
      }
    );
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Edit the tags'));
    });
    const field = screen.getByLabelText(
      'Tags, one key=value per line'
    ) as HTMLTextAreaElement;
    expect(field.value).toBe('stage=dev\nteam=ml');
    fireEvent.change(field, { target: { value: 'team=risk\n\nowner = ada' } });
    await act(async () => {
      fireEvent.keyDown(field, { key: 'Enter', ctrlKey: true });
    });
    expect(client.updateRun).toHaveBeenCalledWith('abcdef0123456789', {
      tags: { team: 'risk', owner: 'ada', stage: null }
    });
    const tags = screen.getByRole('table', { name: 'Tags' });
    expect(within(tags).getByText('risk')).toBeTruthy();
  });

  it('given a tag key the server refuses, then its message is shown under the tags', async () => {
    await show(async () => detail(), undefined, {
      updateRun: async () => {
        throw new APIError(
          "tags.bad\tkey: String should match pattern '^[^\\x00-\\x1f]+$'",
          400
        );
      }
    });
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Edit the tags'));
    });
    const field = screen.getByLabelText('Tags, one key=value per line');
    fireEvent.change(field, { target: { value: 'bad\tkey=1' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    expect(screen.getByRole('alert').textContent).toContain('tags.bad');
  });

  it('given a line without "=", then the edit says which line, without asking the server', async () => {
    const { client } = await show(async () => detail());
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Edit the tags'));
    });
    const field = screen.getByLabelText('Tags, one key=value per line');
    fireEvent.change(field, { target: { value: 'team=ml\noops' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    expect(screen.getByRole('alert').textContent).toContain('Line 2 (oops)');
    expect(client.updateRun).not.toHaveBeenCalled();
  });

  it('given a note written, then it is saved and shown; an emptied note is removed', async () => {
    let note: string | null = null;
    const { client } = await show(
      async () => detail({ note: null }),
      undefined,
      {
        updateRun: async (_, update) => {
          note = update.note ?? null;
          return detail({ note });
        }
      }
    );
    expect(screen.getByText('No note.')).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Write a note'));
    });
    fireEvent.change(screen.getByLabelText('Note'), {
      target: { value: 'lr too high' }
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    expect(screen.getByText('lr too high')).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Edit the note'));
    });
    fireEvent.change(screen.getByLabelText('Note'), {
      target: { value: '  ' }
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    expect(client.updateRun).toHaveBeenLastCalledWith('abcdef0123456789', {
      note: null
    });
    expect(screen.getByText('No note.')).toBeTruthy();
  });

  it('given Delete, then the run shows as deleted with Restore, an Undo is offered, and Restore brings it back', async () => {
    const info = jest.spyOn(Notification, 'info');
    const { client } = await show(async () => detail(), undefined, {
      deleteRun: async () => detail({ deleted_at: Date.UTC(2024, 0, 3) }),
      restoreRun: async () => detail()
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    });
    expect(client.deleteRun).toHaveBeenCalledWith('abcdef0123456789');
    expect(screen.getByText('deleted')).toBeTruthy();
    expect(screen.queryByLabelText('Rename the run')).toBeNull();
    expect(info).toHaveBeenCalledWith(
      'Run train [3] deleted.',
      expect.objectContaining({
        actions: [expect.objectContaining({ label: 'Undo' })]
      })
    );
    // Undo restores the run through the client.
    const undo = (info.mock.calls[0][1] as any).actions[0];
    await act(async () => {
      undo.callback({ preventDefault: () => undefined });
    });
    expect(client.restoreRun).toHaveBeenCalledTimes(1);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Restore' }));
    });
    expect(client.restoreRun).toHaveBeenCalledTimes(2);
    expect(screen.queryByText('deleted')).toBeNull();
    expect(screen.getByRole('button', { name: 'Delete' })).toBeTruthy();
    info.mockRestore();
  });

  it('given an edit made elsewhere through the client, then the view shows it', async () => {
    const runChanged = new Signal<any, IRunDetail>({});
    const names: string[] = [];
    await act(async () => {
      render(
        <RunDetail
          client={{
            getRun: async () => detail(),
            updateRun: jest.fn(),
            deleteRun: jest.fn(),
            restoreRun: jest.fn(),
            getMetricHistory: jest.fn(async () => history('loss', 1)),
            artifactUrl: () => '',
            runChanged
          }}
          commands={{ execute: jest.fn() } as any}
          rendermime={null}
          runId="abcdef0123456789"
          onName={name => names.push(name)}
        />
      );
    });
    await act(async () => {
      runChanged.emit(detail({ id: 'another', name: 'not this one' }));
      runChanged.emit(detail({ name: 'renamed elsewhere' }));
    });
    expect(
      screen.getByRole('heading', { name: 'renamed elsewhere' })
    ).toBeTruthy();
    expect(names).toEqual(['train [3]', 'renamed elsewhere']);
  });
});
