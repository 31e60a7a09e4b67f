import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { MlopsClient } from '../api/client';
import { APIError } from '../api/request';
import { ILineage, ILineageNode } from '../api/types';
import { LARGE_GRAPH, LineageExplorer } from '../lineage/LineageExplorer';
import { NODE_HEIGHT, NODE_WIDTH } from '../lineage/lineageLayout';
import { CommandIDs } from '../shared/commands';

// jsdom hides Node's structuredClone, which dagre uses (browsers all have it).
if (typeof globalThis.structuredClone !== 'function') {
  (globalThis as any).structuredClone = (value: unknown) =>
    JSON.parse(JSON.stringify(value));
}

const RUN = 'run:5f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e';

function lineage(): ILineage {
  const nodes: ILineageNode[] = [
    {
      id: 'dataset_version:7',
      kind: 'dataset_version',
      label: 'data/train.csv@v2',
      stale: false,
      version_id: 7,
      dataset: 'data/train.csv',
      version: 2,
      n_rows: 1200,
      n_columns: 5,
      role: 'train',
      parent_version_id: 6,
      created_at: 1700000000000
    },
    {
      id: 'dataset_version:6',
      kind: 'dataset_version',
      label: 'data/train.csv@v1',
      stale: false,
      version_id: 6,
      dataset: 'data/train.csv',
      version: 1,
      n_rows: 1000,
      parent_version_id: null
    },
    {
      id: RUN,
      kind: 'run',
      label: 'train <b>boosted</b>',
      stale: true,
      stale_reasons: ['read data/train.csv v1; v2 is newer'],
      run_id: RUN.slice(4),
      status: 'finished',
      name: 'train <b>boosted</b>',
      start_time: 1700000000000,
      end_time: 1700000060000
    },
    {
      id: 'artifact:0123456789abcdef0123456789abcdef',
      kind: 'artifact',
      label: 'model.pkl',
      stale: false,
      digest: '0123456789abcdef0123456789abcdef',
      artifact_kind: 'model',
      size: 2048
    },
    {
      id: 'model_version:3',
      kind: 'model_version',
      label: 'churn v3',
      stale: false,
      version_id: 3,
      model: 'churn',
      version: 3,
      run_id: RUN.slice(4)
    }
  ];
  return {
    root: 'dataset_version:7',
    nodes,
    edges: [
      {
        source: 'dataset_version:6',
        target: 'dataset_version:7',
        kind: 'derived'
      },
      { source: 'dataset_version:6', target: RUN, kind: 'input' },
      {
        source: RUN,
        target: 'artifact:0123456789abcdef0123456789abcdef',
        kind: 'output'
      },
      { source: RUN, target: 'model_version:3', kind: 'output' }
    ]
  };
}

/** What an expansion upstream of the run answers: one known node, one new. */
function upstreamOfRun(): ILineage {
  const base = lineage();
  return {
    root: RUN,
    nodes: [
      base.nodes[2],
      base.nodes[1],
      {
        id: 'dataset_version:2',
        kind: 'dataset_version',
        label: 'data/labels.csv@v1',
        stale: false,
        version_id: 2
      }
    ],
    edges: [
      { source: 'dataset_version:6', target: RUN, kind: 'input' },
      { source: 'dataset_version:2', target: RUN, kind: 'input' }
    ]
  };
}

function setup(getLineage: jest.Mock) {
  const client = { getLineage } as unknown as MlopsClient;
  const commands = { execute: jest.fn(async () => undefined) };
  return {
    client,
    commands,
    context: { client, commands: commands as any }
  };
}

async function renderExplorer(getLineage: jest.Mock) {
  const parts = setup(getLineage);
  let result: ReturnType<typeof render> | undefined;
  await act(async () => {
    result = render(
      <LineageExplorer
        context={parts.context}
        kind="dataset_version"
        nodeId="7"
      />
    );
  });
  return { ...parts, container: result!.container };
}

function nodeElement(container: HTMLElement, id: string): Element {
  const found = container.querySelector(`g[data-node-id="${id}"]`);
  if (!found) {
    throw new Error(`no node ${id}`);
  }
  return found;
}

describe('LineageExplorer', () => {
  it('given a lineage, when it loads, then every node is drawn with its kind and the root is marked laid out', async () => {
    const getLineage = jest.fn(async () => lineage());
    const { container } = await renderExplorer(getLineage);

    expect(getLineage).toHaveBeenCalledWith('dataset_version', '7', {
      direction: 'both'
    });
    const root = container.querySelector('.jp-MlopsLineage')!;
    expect(root.getAttribute('data-laid-out')).toBe('true');
    expect(root.getAttribute('data-node-count')).toBe('5');
    const kinds = Array.from(container.querySelectorAll('g[data-node-id]')).map(
      g => g.getAttribute('data-kind')
    );
    expect(kinds.sort()).toEqual(
      [
        'artifact',
        'dataset_version',
        'dataset_version',
        'model_version',
        'run'
      ].sort()
    );
    // Each kind has its own outline.
    const outline = (id: string) =>
      nodeElement(container, id)
        .querySelector('.jp-MlopsLineage-shape')!
        .getAttribute('d');
    const outlines = new Set(
      [
        'dataset_version:7',
        RUN,
        'artifact:0123456789abcdef0123456789abcdef',
        'model_version:3'
      ].map(outline)
    );
    expect(outlines.size).toBe(4);
    expect(nodeElement(container, 'dataset_version:7').classList).toContain(
      'jp-mod-root'
    );
    for (const g of Array.from(container.querySelectorAll('g[data-node-id]'))) {
      expect(g.getAttribute('tabindex')).toBe('0');
      expect(g.getAttribute('role')).toBe('button');
      expect(g.getAttribute('aria-label')).toBeTruthy();
    }
    expect(screen.getByText('5 nodes, 4 edges')).toBeTruthy();
  });

  it('given a derived edge, then it is drawn apart from reads and writes', async () => {
    const { container } = await renderExplorer(jest.fn(async () => lineage()));
    const edges = Array.from(
      container.querySelectorAll('path.jp-MlopsLineage-edge')
    );
    expect(edges).toHaveLength(4);
    expect(
      edges.filter(e => e.getAttribute('data-kind') === 'derived')
    ).toHaveLength(1);
    for (const edge of edges) {
      expect(edge.getAttribute('marker-end')).toMatch(/^url\(#/);
    }
  });

  it('given a stale run, then it is marked, and its details say why', async () => {
    const { container } = await renderExplorer(jest.fn(async () => lineage()));
    const run = nodeElement(container, RUN);
    expect(run.getAttribute('data-stale')).toBe('true');
    expect(run.querySelector('.jp-MlopsLineage-staleBadge')).not.toBeNull();
    expect(run.getAttribute('aria-label')).toMatch(/stale/);
    expect(
      nodeElement(container, 'dataset_version:7').getAttribute('data-stale')
    ).toBeNull();

    fireEvent.click(run);
    const details = screen.getByLabelText('Node details');
    expect(
      within(details).getByText('read data/train.csv v1; v2 is newer')
    ).toBeTruthy();
  });

  it('given a run, when it is clicked, then its fields show as text and Open run opens it', async () => {
    const { container, commands } = await renderExplorer(
      jest.fn(async () => lineage())
    );
    fireEvent.click(nodeElement(container, RUN));
    const details = screen.getByLabelText('Node details');
    // A label with markup is text, not HTML.
    expect(within(details).getByRole('heading').textContent).toBe(
      'train <b>boosted</b>'
    );
    expect(details.querySelector('b')).toBeNull();
    expect(within(details).getByText('finished')).toBeTruthy();

    fireEvent.click(within(details).getByRole('button', { name: 'Open run' }));
    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openRun, {
      runId: RUN.slice(4)
    });
    fireEvent.click(
      within(details).getByRole('button', { name: 'Center graph here' })
    );
    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openLineage, {
      kind: 'run',
      nodeId: RUN.slice(4)
    });
  });

  it('given a focused dataset version, when Enter is pressed, then its details offer a diff with its parent', async () => {
    const { container, commands } = await renderExplorer(
      jest.fn(async () => lineage())
    );
    const version = nodeElement(container, 'dataset_version:7');
    fireEvent.keyDown(version, { key: 'Enter' });
    const details = screen.getByLabelText('Node details');
    expect(within(details).getByText('data/train.csv@v2')).toBeTruthy();
    expect(within(details).getByText('1,200')).toBeTruthy();
    fireEvent.click(
      within(details).getByRole('button', { name: 'Diff with parent' })
    );
    expect(commands.execute).toHaveBeenCalledWith(
      CommandIDs.diffDatasetVersions,
      {
        a: 6,
        b: 7
      }
    );
    // The root is already the centre of the graph.
    expect(
      within(details).queryByRole('button', { name: 'Center graph here' })
    ).toBeNull();
  });

  it('given a version without a parent, then no diff is offered', async () => {
    const { container } = await renderExplorer(jest.fn(async () => lineage()));
    fireEvent.click(nodeElement(container, 'dataset_version:6'));
    const details = screen.getByLabelText('Node details');
    expect(
      within(details).queryByRole('button', { name: 'Diff with parent' })
    ).toBeNull();
  });

  it('given a node, when it is expanded upstream, then new nodes are merged in once', async () => {
    const getLineage = jest.fn(
      async (_kind: string, _id: string, query: any) =>
        query.direction === 'up' ? upstreamOfRun() : lineage()
    );
    const { container } = await renderExplorer(getLineage);
    fireEvent.click(nodeElement(container, RUN));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Expand upstream' }));
    });

    expect(getLineage).toHaveBeenLastCalledWith('run', RUN.slice(4), {
      direction: 'up',
      depth: 1
    });
    const ids = Array.from(container.querySelectorAll('g[data-node-id]')).map(
      g => g.getAttribute('data-node-id')
    );
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(ids).toContain('dataset_version:2');
    expect(
      container.querySelectorAll('path.jp-MlopsLineage-edge')
    ).toHaveLength(5);
    expect(
      container
        .querySelector('.jp-MlopsLineage')!
        .getAttribute('data-node-count')
    ).toBe('6');
    expect(screen.getByText('Added 1 node upstream.')).toBeTruthy();

    // The same expansion again adds nothing.
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Expand upstream' }));
    });
    expect(container.querySelectorAll('g[data-node-id]')).toHaveLength(6);
    expect(screen.getByText(/Nothing more upstream/)).toBeTruthy();
  });

  it('given an expansion that fails, then its message is shown in the details', async () => {
    const getLineage = jest.fn(
      async (_kind: string, _id: string, query: any) => {
        if (query.direction === 'down') {
          throw new APIError('the store is locked', 503);
        }
        return lineage();
      }
    );
    const { container } = await renderExplorer(getLineage);
    fireEvent.click(
      nodeElement(container, 'artifact:0123456789abcdef0123456789abcdef')
    );
    await act(async () => {
      fireEvent.click(
        screen.getByRole('button', { name: 'Expand downstream' })
      );
    });
    const details = screen.getByLabelText('Node details');
    expect(within(details).getByRole('alert').textContent).toBe(
      'the store is locked'
    );
    expect(container.querySelectorAll('g[data-node-id]')).toHaveLength(5);
  });

  it('given no such node, then the server message is shown and nothing is laid out', async () => {
    const { container } = await renderExplorer(
      jest.fn(async () => {
        throw new APIError("there is no dataset version '7'", 404);
      })
    );
    expect(screen.getByRole('alert').textContent).toBe(
      "there is no dataset version '7'"
    );
    expect(
      container.querySelector('.jp-MlopsLineage')!.getAttribute('data-laid-out')
    ).toBeNull();
    expect(screen.queryByText('Loading ...')).toBeNull();
  });

  it('given a depth, when another is chosen, then the graph is fetched at that depth', async () => {
    const getLineage = jest.fn(async () => lineage());
    await renderExplorer(getLineage);
    await act(async () => {
      fireEvent.change(screen.getByRole('combobox'), {
        target: { value: '2' }
      });
    });
    expect(getLineage).toHaveBeenLastCalledWith('dataset_version', '7', {
      direction: 'both',
      depth: 2
    });
  });

  it('given the canvas, then it offers zoom and Fit to view', async () => {
    await renderExplorer(jest.fn(async () => lineage()));
    expect(screen.getByRole('button', { name: 'Fit to view' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Zoom in' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Zoom out' })).toBeTruthy();
    expect(screen.getByLabelText('Legend')).toBeTruthy();
  });

  it('given a job of a pipeline version, then both are drawn with their own outline, edges and details', async () => {
    const JOB = 'job:da5c390fec52425a8e7946b68c5df9bc';
    const jobLineage: ILineage = {
      root: JOB,
      nodes: [
        {
          id: JOB,
          kind: 'job',
          label: 'scale (finished)',
          stale: false,
          job_id: JOB.slice(4),
          pipeline: 'scale',
          pipeline_version_id: 1,
          version: 1,
          parameters: { factor: 3 },
          status: 'finished',
          started_at: 1700000000000,
          ended_at: 1700000005000,
          error: null
        },
        {
          id: 'pipeline_version:1',
          kind: 'pipeline_version',
          label: 'scale v1',
          stale: false,
          version_id: 1,
          pipeline: 'scale',
          version: 1,
          notebook_path: 'work/scale.ipynb',
          parameters: 'factor: int = 2',
          created_at: 1699999990000
        },
        { ...lineage().nodes[2], stale: false, stale_reasons: [] }
      ],
      edges: [
        { source: 'pipeline_version:1', target: JOB, kind: 'pipeline' },
        { source: JOB, target: RUN, kind: 'job' }
      ]
    };
    const { container } = await renderExplorer(jest.fn(async () => jobLineage));
    const job = nodeElement(container, JOB);
    const version = nodeElement(container, 'pipeline_version:1');
    expect(job.getAttribute('data-kind')).toBe('job');
    expect(version.getAttribute('data-kind')).toBe('pipeline_version');
    // Named by kind for screen readers, with the job's status and the version's pipeline
    expect(job.getAttribute('aria-label')).toMatch(
      /^Job scale \(finished\), job \u00b7 finished/
    );
    expect(version.getAttribute('aria-label')).toMatch(
      /^Pipeline version scale v1, pipeline scale/
    );
    // Each its own outline, unlike the run's
    const outlines = new Set(
      [JOB, 'pipeline_version:1', RUN].map(id =>
        nodeElement(container, id)
          .querySelector('.jp-MlopsLineage-shape')!
          .getAttribute('d')
      )
    );
    expect(outlines.size).toBe(3);
    // The edges from the version to the job and on to the run say what they are
    const kinds = Array.from(
      container.querySelectorAll('path.jp-MlopsLineage-edge')
    ).map(e => e.getAttribute('data-kind'));
    expect(kinds.sort()).toEqual(['job', 'pipeline']);
    // The legend names both kinds and the edges of a job
    const legend = screen.getByLabelText('Legend');
    expect(within(legend).getByText('Pipeline version')).toBeTruthy();
    expect(within(legend).getByText('Job')).toBeTruthy();
    expect(within(legend).getByText('Ran as a job')).toBeTruthy();

    // When the job is clicked, its details show its parameters, status and times
    fireEvent.click(job);
    const details = screen.getByLabelText('Node details');
    expect(
      within(details).getByText('Job \u00b7 graph drawn around it')
    ).toBeTruthy();
    expect(within(details).getByText('Parameters')).toBeTruthy();
    expect(within(details).getByText('{"factor":3}')).toBeTruthy();
    expect(within(details).getByText('Started')).toBeTruthy();
    // And the version's, its notebook and parameter schema
    fireEvent.click(version);
    const versionDetails = screen.getByLabelText('Node details');
    expect(within(versionDetails).getByText('work/scale.ipynb')).toBeTruthy();
    expect(within(versionDetails).getByText('factor: int = 2')).toBeTruthy();
  });

  it('given a lineage too large to lay out at once, then it asks before drawing it', async () => {
    const huge: ILineage = {
      root: 'dataset_version:0',
      nodes: Array.from({ length: LARGE_GRAPH + 1 }, (_, i) => ({
        id: `dataset_version:${i}`,
        kind: 'dataset_version' as const,
        label: `v${i}`,
        stale: false
      })),
      edges: []
    };
    const getLineage = jest.fn(async () => huge);
    const { container } = await renderExplorer(getLineage);
    expect(container.querySelectorAll('g[data-node-id]')).toHaveLength(0);
    expect(screen.getByText(/This lineage has 1,501 nodes/)).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Show depth 2' }));
    });
    expect(getLineage).toHaveBeenLastCalledWith('dataset_version', '7', {
      direction: 'both',
      depth: 2
    });
  });

  it('given the graph already asked for by the view, then it is drawn without asking again', async () => {
    const getLineage = jest.fn(async () => lineage());
    const { context } = setup(getLineage);
    let container: HTMLElement | undefined;
    await act(async () => {
      container = render(
        <LineageExplorer
          context={context}
          kind="dataset_version"
          nodeId="7"
          initial={Promise.resolve(lineage())}
        />
      ).container;
    });
    expect(getLineage).not.toHaveBeenCalled();
    expect(container!.querySelectorAll('g[data-node-id]')).toHaveLength(5);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    });
    expect(getLineage).toHaveBeenCalledTimes(1);
  });
});

/** A ResizeObserver jsdom lacks: the test says when the canvas changes size. */
class FakeResizeObserver {
  static all: FakeResizeObserver[] = [];
  constructor(readonly callback: ResizeObserverCallback) {
    FakeResizeObserver.all.push(this);
  }
  observe(): void {
    // The test resizes by hand.
  }
  disconnect(): void {
    FakeResizeObserver.all = FakeResizeObserver.all.filter(o => o !== this);
  }
  static resize(width: number, height: number): void {
    for (const observer of FakeResizeObserver.all) {
      observer.callback(
        [{ contentRect: { width, height } } as ResizeObserverEntry],
        observer as unknown as ResizeObserver
      );
    }
  }
}

/** The view's scale and translation, from the graph's transform. */
function viewOf(container: HTMLElement): { k: number; x: number; y: number } {
  const transform = container
    .querySelector('svg.jp-MlopsLineage-svg > g')!
    .getAttribute('transform')!;
  const [x, y, k] = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([-\d.e]+)\)/
    .exec(transform)!
    .slice(1)
    .map(Number);
  return { k, x, y };
}

/** Where a node's centre is on the canvas, in pixels. */
function onScreen(
  container: HTMLElement,
  id: string
): { x: number; y: number } {
  const node = nodeElement(container, id);
  const [left, top] = /translate\(([-\d.e]+),([-\d.e]+)\)/
    .exec(node.getAttribute('transform')!)!
    .slice(1)
    .map(Number);
  const view = viewOf(container);
  return {
    x: (left + NODE_WIDTH / 2) * view.k + view.x,
    y: (top + NODE_HEIGHT / 2) * view.k + view.y
  };
}

describe('LineageExplorer in a pane that changes size', () => {
  const original = (globalThis as any).ResizeObserver;
  beforeEach(() => {
    (globalThis as any).ResizeObserver = FakeResizeObserver;
  });
  afterEach(() => {
    (globalThis as any).ResizeObserver = original;
    FakeResizeObserver.all = [];
  });

  it('given a graph fitted in a small split, when the pane grows, then it is fitted again, larger', async () => {
    const { container } = await renderExplorer(jest.fn(async () => lineage()));
    await act(async () => FakeResizeObserver.resize(240, 160));
    const small = viewOf(container);
    await act(async () => FakeResizeObserver.resize(1200, 800));
    const large = viewOf(container);
    expect(large.k).toBeGreaterThan(small.k);
  });

  it('given a graph the user zoomed, when the pane changes size, then the zoom is kept', async () => {
    const { container } = await renderExplorer(jest.fn(async () => lineage()));
    await act(async () => FakeResizeObserver.resize(800, 600));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
    });
    const zoomed = viewOf(container);
    await act(async () => FakeResizeObserver.resize(1200, 800));
    expect(viewOf(container).k).toBeCloseTo(zoomed.k);
  });

  it('given a node selected in a zoomed graph, when the details pane narrows the canvas, then the node is moved into view', async () => {
    const { container } = await renderExplorer(jest.fn(async () => lineage()));
    await act(async () => FakeResizeObserver.resize(1000, 600));
    for (let i = 0; i < 4; i++) {
      await act(async () => {
        fireEvent.click(screen.getByRole('button', { name: 'Zoom in' }));
      });
    }
    const model = 'model_version:3';
    await act(async () => {
      fireEvent.click(nodeElement(container, model));
    });
    // The details pane takes the right of the canvas: 400 pixels are left.
    await act(async () => FakeResizeObserver.resize(400, 600));
    const { x, y } = onScreen(container, model);
    expect(x).toBeGreaterThan(0);
    expect(x).toBeLessThan(400);
    expect(y).toBeGreaterThan(0);
    expect(y).toBeLessThan(600);
  });

  it('given the graph loaded, then the tab is named after its node', async () => {
    const onTitle = jest.fn();
    const { context } = setup(jest.fn(async () => lineage()));
    await act(async () => {
      render(
        <LineageExplorer
          context={context}
          kind="dataset_version"
          nodeId="7"
          onTitle={onTitle}
        />
      );
    });
    expect(onTitle).toHaveBeenCalledWith({
      label: 'Lineage of data/train.csv v2',
      caption: 'Lineage of data/train.csv v2'
    });
  });
});
