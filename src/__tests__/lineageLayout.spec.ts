import { ILineageNode, LineageKind } from '../api/types';
import {
  edgePath,
  fitTransform,
  ILineageGraph,
  layoutLineage,
  mergeLineage,
  nodeShapePath,
  splitNodeId,
  truncate
} from '../lineage/lineageLayout';

// jsdom hides Node's structuredClone, which dagre uses (browsers all have it).
if (typeof globalThis.structuredClone !== 'function') {
  (globalThis as any).structuredClone = (value: unknown) =>
    JSON.parse(JSON.stringify(value));
}

function node(id: string, extra: Record<string, unknown> = {}): ILineageNode {
  const kind = id.slice(0, id.indexOf(':')) as LineageKind;
  return { id, kind, label: id, stale: false, ...extra };
}

/** A run reading one version and writing `width` versions, each read by a run. */
function fan(width: number): ILineageGraph {
  const nodes = [node('dataset_version:0'), node('run:prepare')];
  const edges = [
    { source: 'dataset_version:0', target: 'run:prepare', kind: 'input' }
  ];
  for (let i = 1; i <= width; i++) {
    nodes.push(node(`dataset_version:${i}`), node(`run:train-${i}`));
    edges.push(
      { source: 'run:prepare', target: `dataset_version:${i}`, kind: 'output' },
      {
        source: `dataset_version:${i}`,
        target: `run:train-${i}`,
        kind: 'input'
      }
    );
  }
  return { root: 'dataset_version:0', nodes, edges };
}

/**
 * About `count` nodes and 1.2 edges per node: chains of prepare runs and versions with
 * cross reads, as a store that ran a pipeline many times holds.
 */
function big(count: number): ILineageGraph {
  const nodes: ILineageNode[] = [node('dataset_version:raw')];
  const edges = [];
  let i = 0;
  while (nodes.length < count) {
    const run = `run:prep-${i}`;
    const out = `dataset_version:out-${i}`;
    const art = `artifact:${i.toString(16).padStart(32, '0')}`;
    nodes.push(node(run), node(out), node(art));
    const from =
      i % 7 === 0
        ? 'dataset_version:raw'
        : `dataset_version:out-${Math.floor(i / 2)}`;
    edges.push(
      { source: from, target: run, kind: 'input' },
      { source: run, target: out, kind: 'output' },
      { source: run, target: art, kind: 'output' }
    );
    if (i > 3 && i % 3 === 0) {
      edges.push({
        source: `dataset_version:out-${i - 3}`,
        target: out,
        kind: 'derived'
      });
    }
    i++;
  }
  return { root: 'dataset_version:raw', nodes, edges };
}

describe('layoutLineage', () => {
  it('given a fan-out graph, when laid out, then every node has a finite position', () => {
    const graph = fan(5);
    const layout = layoutLineage(graph);
    expect(layout.nodes).toHaveLength(graph.nodes.length);
    for (const placed of layout.nodes) {
      expect(Number.isFinite(placed.x)).toBe(true);
      expect(Number.isFinite(placed.y)).toBe(true);
      expect(placed.width).toBeGreaterThan(0);
      expect(placed.height).toBeGreaterThan(0);
    }
    expect(layout.width).toBeGreaterThan(0);
    expect(layout.height).toBeGreaterThan(0);
  });

  it('given edges the way data flows, when laid out, then every source is left of its target', () => {
    const graph = fan(4);
    const layout = layoutLineage(graph);
    for (const edge of graph.edges) {
      const source = layout.byId.get(edge.source)!;
      const target = layout.byId.get(edge.target)!;
      expect(source.x).toBeLessThan(target.x);
    }
  });

  it('given routed edges, then each runs from its source to its target', () => {
    const layout = layoutLineage(fan(2));
    expect(layout.edges).toHaveLength(5);
    for (const edge of layout.edges) {
      expect(edge.points.length).toBeGreaterThanOrEqual(2);
      const first = edge.points[0];
      const last = edge.points[edge.points.length - 1];
      expect(first.x).toBeLessThan(last.x);
    }
  });

  it('given an edge to a node the graph lacks, then it is left out instead of failing', () => {
    const graph = fan(1);
    graph.edges.push({
      source: 'run:train-1',
      target: 'artifact:gone',
      kind: 'output'
    });
    const layout = layoutLineage(graph);
    expect(layout.edges.map(e => e.target)).not.toContain('artifact:gone');
  });

  it('given a run that reads and rewrites a version (a cycle), then it is laid out', () => {
    const graph: ILineageGraph = {
      root: 'run:a',
      nodes: [node('run:a'), node('dataset_version:1')],
      edges: [
        { source: 'dataset_version:1', target: 'run:a', kind: 'input' },
        { source: 'run:a', target: 'dataset_version:1', kind: 'output' }
      ]
    };
    const layout = layoutLineage(graph);
    expect(layout.nodes).toHaveLength(2);
    expect(layout.edges).toHaveLength(2);
  });

  it('given a 500-node graph with about 600 edges, then it is laid out without error', () => {
    const graph = big(500);
    expect(graph.edges.length).toBeGreaterThan(450);
    const layout = layoutLineage(graph);
    expect(layout.nodes).toHaveLength(graph.nodes.length);
    const positions = new Set(layout.nodes.map(n => `${n.x},${n.y}`));
    expect(positions.size).toBe(graph.nodes.length);
    for (const edge of graph.edges) {
      expect(layout.byId.get(edge.source)!.x).toBeLessThan(
        layout.byId.get(edge.target)!.x
      );
    }
  });
});

describe('mergeLineage', () => {
  it('given an expansion that repeats known nodes and edges, then only new ones are added', () => {
    const base = fan(1);
    const extra: ILineageGraph = {
      root: 'run:train-1',
      nodes: [node('run:train-1'), node('artifact:abc')],
      edges: [
        { source: 'dataset_version:1', target: 'run:train-1', kind: 'input' },
        { source: 'run:train-1', target: 'artifact:abc', kind: 'output' }
      ]
    };
    const { graph, added } = mergeLineage(base, extra);
    expect(added).toEqual(['artifact:abc']);
    expect(graph.root).toBe(base.root);
    expect(graph.nodes).toHaveLength(base.nodes.length + 1);
    expect(graph.edges).toHaveLength(base.edges.length + 1);
    expect(new Set(graph.nodes.map(n => n.id)).size).toBe(graph.nodes.length);
  });

  it('given a node seen again with newer fields, then the newer description is kept', () => {
    const base = fan(1);
    const { graph } = mergeLineage(base, {
      root: 'run:prepare',
      nodes: [node('run:prepare', { stale: true })],
      edges: []
    });
    expect(graph.nodes.find(n => n.id === 'run:prepare')!.stale).toBe(true);
  });
});

describe('geometry helpers', () => {
  it('given each kind, then its outline differs', () => {
    const paths = [
      'run',
      'dataset_version',
      'artifact',
      'model_version',
      'registry_event',
      'pipeline_version',
      'job'
    ].map(k => nodeShapePath(k, 100, 40));
    expect(new Set(paths).size).toBe(7);
    expect(nodeShapePath('dataset_version', 100, 40)).toContain('A');
  });

  it('given points, then the edge path starts at the first and ends at the last', () => {
    const d = edgePath([
      { x: 0, y: 0 },
      { x: 50, y: 10 },
      { x: 100, y: 0 }
    ]);
    expect(d.startsWith('M0,0')).toBe(true);
    expect(d.endsWith('100,0')).toBe(true);
    expect(edgePath([])).toBe('');
  });

  it('given a long label, then it is cut with an ellipsis', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('a rather long label', 8)).toBe('a rathe\u2026');
  });

  it('given a node id, then kind and id are split at the first colon', () => {
    expect(splitNodeId('dataset_version:12')).toEqual({
      kind: 'dataset_version',
      nodeId: '12'
    });
    expect(splitNodeId('run:a:b').nodeId).toBe('a:b');
  });

  it('given a big layout, then the fit scales it into the view and centres it', () => {
    const fit = fitTransform(2000, 1000, 1000, 600, { padding: 0 });
    expect(fit.k).toBeCloseTo(0.5);
    expect(fit.x).toBeCloseTo(0);
    expect(fit.y).toBeCloseTo(50);
  });
});
