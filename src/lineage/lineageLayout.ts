/**
 * Lineage graph geometry: merging graphs, laying them out left to right with dagre, node
 * outlines and edge curves. Pure functions, no DOM, so they are tested on their own and
 * the React view only draws what they return.
 */
import dagre from '@dagrejs/dagre';

import { ILineageEdge, ILineageNode, LineageKind } from '../api/types';

/** A lineage graph: the node it is drawn around, its nodes and its edges. */
export interface ILineageGraph {
  root: string;
  nodes: ILineageNode[];
  edges: ILineageEdge[];
}

/** A point in layout coordinates. */
export interface IPoint {
  x: number;
  y: number;
}

/** A node placed by the layout: `x`, `y` are its centre. */
export interface IPlacedNode {
  id: string;
  node: ILineageNode;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An edge routed by the layout, its points from source to target. */
export interface IPlacedEdge {
  key: string;
  source: string;
  target: string;
  kind: string;
  points: IPoint[];
}

/** A laid out graph and the size of the area it covers. */
export interface ILineageLayout {
  nodes: IPlacedNode[];
  edges: IPlacedEdge[];
  /** The placed nodes by id. */
  byId: Map<string, IPlacedNode>;
  width: number;
  height: number;
}

/** Every node has the same box, so the ranks line up and labels are cut alike. */
export const NODE_WIDTH = 176;
export const NODE_HEIGHT = 44;

/** Above this many nodes the cheaper ranker is used: network simplex grows too slow. */
export const FAST_RANKER_ABOVE = 150;

/** The identity of an edge: the same edge fetched twice is drawn once. */
export function edgeKey(edge: ILineageEdge): string {
  return `${edge.source}\u0000${edge.target}\u0000${edge.kind}`;
}

/** The kind and the kind's own id of a node id `kind:id` (ids may hold colons). */
export function splitNodeId(id: string): { kind: LineageKind; nodeId: string } {
  const at = id.indexOf(':');
  return {
    kind: id.slice(0, at) as LineageKind,
    nodeId: id.slice(at + 1)
  };
}

/**
 * `extra` merged into `base`: nodes and edges not seen yet are added (a node seen again
 * takes the newer description, e.g. a run that became stale), the root stays `base`'s.
 * Returns the merged graph and the ids of the nodes that are new.
 */
export function mergeLineage(
  base: ILineageGraph,
  extra: ILineageGraph
): { graph: ILineageGraph; added: string[] } {
  const nodes = new Map<string, ILineageNode>();
  for (const node of base.nodes) {
    nodes.set(node.id, node);
  }
  const added: string[] = [];
  for (const node of extra.nodes) {
    if (!nodes.has(node.id)) {
      added.push(node.id);
    }
    nodes.set(node.id, node);
  }
  const edges = new Map<string, ILineageEdge>();
  for (const edge of [...base.edges, ...extra.edges]) {
    edges.set(edgeKey(edge), edge);
  }
  return {
    graph: {
      root: base.root,
      nodes: [...nodes.values()],
      edges: [...edges.values()]
    },
    added
  };
}

/** The layer graph dagre orders: its nodes (with dummies on long edges) and their ranks. */
type LayerGraph = Parameters<
  NonNullable<Parameters<typeof dagre.layout>[1]>['customOrder'] & {}
>[0];

/** How many times the order of the ranks is swept without a better one found. */
const SWEEPS_WITHOUT_GAIN = 4;

/**
 * Orders the nodes of each rank to reduce edge crossings, as dagre does: a depth-first
 * first order, then sweeps down and up the ranks sorting each by the mean position of its
 * neighbours in the rank before, keeping the order with the fewest crossings. Sets
 * `order` on every node.
 */
export function orderByBarycenter(g: LayerGraph): void {
  const rankOf = (v: string): number => Number(g.node(v).rank ?? 0);
  const layers: string[][] = [];
  const seen = new Set<string>();
  const byRank = g.nodes().sort((a, b) => rankOf(a) - rankOf(b));
  for (const start of byRank) {
    const stack = [start];
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (seen.has(v)) {
        continue;
      }
      seen.add(v);
      (layers[rankOf(v)] ??= []).push(v);
      const next = g.successors(v) ?? [];
      for (let i = next.length - 1; i >= 0; i--) {
        stack.push(next[i]);
      }
    }
  }
  const position = new Map<string, number>();
  const place = () =>
    layers.forEach(layer => layer?.forEach((v, i) => position.set(v, i)));
  place();

  const sweep = (down: boolean) => {
    const last = layers.length - 1;
    for (let step = 1; step <= last; step++) {
      const r = down ? step : last - step;
      const layer = layers[r];
      if (!layer) {
        continue;
      }
      const sortable: { v: string; key: number; at: number }[] = [];
      const fixed = new Set<number>();
      layer.forEach((v, at) => {
        const near = (down ? g.predecessors(v) : g.successors(v)) ?? [];
        let sum = 0;
        let n = 0;
        for (const w of near) {
          if (rankOf(w) === (down ? r - 1 : r + 1)) {
            sum += position.get(w) ?? 0;
            n++;
          }
        }
        if (n === 0) {
          fixed.add(at); // no neighbour to follow: it keeps its place
        } else {
          sortable.push({ v, key: sum / n, at });
        }
      });
      sortable.sort((x, y) => x.key - y.key || x.at - y.at);
      let next = 0;
      layers[r] = layer.map((v, at) =>
        fixed.has(at) ? v : sortable[next++].v
      );
      layers[r].forEach((v, i) => position.set(v, i));
    }
  };

  const crossings = (): number => {
    let total = 0;
    for (let r = 0; r + 1 < layers.length; r++) {
      const pairs: [number, number][] = [];
      for (const v of layers[r] ?? []) {
        for (const w of g.successors(v) ?? []) {
          if (rankOf(w) === r + 1) {
            pairs.push([position.get(v)!, position.get(w)!]);
          }
        }
      }
      pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      // Inversions of the targets' positions, counted with a Fenwick tree.
      const size = (layers[r + 1]?.length ?? 0) + 1;
      const tree = new Array<number>(size + 1).fill(0);
      pairs.forEach(([, w], seenSoFar) => {
        let atOrBelow = 0;
        for (let i = w + 1; i > 0; i -= i & -i) {
          atOrBelow += tree[i];
        }
        total += seenSoFar - atOrBelow;
        for (let i = w + 1; i <= size; i += i & -i) {
          tree[i]++;
        }
      });
    }
    return total;
  };

  let best = layers.map(layer => layer?.slice());
  let fewest = crossings();
  for (
    let i = 0, sinceBest = 0;
    sinceBest < SWEEPS_WITHOUT_GAIN && fewest > 0;
    i++
  ) {
    sweep(i % 2 === 0);
    const now = crossings();
    if (now < fewest) {
      fewest = now;
      best = layers.map(layer => layer?.slice());
      sinceBest = 0;
    } else {
      sinceBest++;
    }
  }
  best.forEach(layer => layer?.forEach((v, i) => (g.node(v).order = i)));
}

/**
 * The graph laid out left to right, the way data flows. Edges whose ends are not in the
 * graph are left out.
 */
export function layoutLineage(graph: ILineageGraph): ILineageLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const large = graph.nodes.length > FAST_RANKER_ABOVE;
  g.setGraph({
    rankdir: 'LR',
    // Network simplex gives the tightest ranks but is the slow part on big graphs;
    // tight-tree gives nearly the same picture for lineage DAGs in a fraction of the time.
    ranker: large ? 'tight-tree' : 'network-simplex',
    nodesep: 16,
    edgesep: 10,
    ranksep: 64,
    marginx: 24,
    marginy: 24
  });
  const known = new Map<string, ILineageNode>();
  for (const node of graph.nodes) {
    if (!known.has(node.id)) {
      known.set(node.id, node);
      g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
    }
  }
  const edges = new Map<string, ILineageEdge>();
  for (const edge of graph.edges) {
    if (
      known.has(edge.source) &&
      known.has(edge.target) &&
      edge.source !== edge.target
    ) {
      const key = edgeKey(edge);
      if (!edges.has(key)) {
        edges.set(key, edge);
        g.setEdge(edge.source, edge.target, {}, key);
      }
    }
  }
  // On large graphs dagre's crossing reduction spends most of its time building layer
  // graphs it then sweeps; the same barycenter sweeps on plain arrays order the ranks in
  // a few milliseconds (dagre still ranks, positions and routes).
  dagre.layout(g, large ? { customOrder: orderByBarycenter } : {});

  const placed: IPlacedNode[] = [];
  const byId = new Map<string, IPlacedNode>();
  for (const [id, node] of known) {
    const label = g.node(id);
    const item: IPlacedNode = {
      id,
      node,
      x: label.x ?? 0,
      y: label.y ?? 0,
      width: NODE_WIDTH,
      height: NODE_HEIGHT
    };
    placed.push(item);
    byId.set(id, item);
  }
  const routed: IPlacedEdge[] = [];
  for (const [key, edge] of edges) {
    const label = g.edge(edge.source, edge.target, key);
    routed.push({
      key,
      source: edge.source,
      target: edge.target,
      kind: edge.kind,
      points: (label?.points ?? []).map((p: IPoint) => ({ x: p.x, y: p.y }))
    });
  }
  const size = g.graph();
  return {
    nodes: placed,
    edges: routed,
    byId,
    width: size.width ?? 0,
    height: size.height ?? 0
  };
}

/**
 * An SVG path through the points as a B-spline (the curve d3's curveBasis draws): it
 * starts and ends on the first and last points and bends smoothly through the others.
 */
export function edgePath(points: IPoint[]): string {
  const n = points.length;
  if (n === 0) {
    return '';
  }
  const r = (v: number) => Math.round(v * 10) / 10;
  if (n <= 2) {
    return points
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${r(p.x)},${r(p.y)}`)
      .join('');
  }
  let d = `M${r(points[0].x)},${r(points[0].y)}`;
  const first = points[0];
  const second = points[1];
  d += `L${r((5 * first.x + second.x) / 6)},${r((5 * first.y + second.y) / 6)}`;
  for (let i = 1; i < n - 1; i++) {
    const p0 = points[i - 1];
    const p1 = points[i];
    const p2 = points[i + 1];
    d +=
      `C${r((2 * p0.x + p1.x) / 3)},${r((2 * p0.y + p1.y) / 3)} ` +
      `${r((p0.x + 2 * p1.x) / 3)},${r((p0.y + 2 * p1.y) / 3)} ` +
      `${r((p0.x + 4 * p1.x + p2.x) / 6)},${r((p0.y + 4 * p1.y + p2.y) / 6)}`;
  }
  const a = points[n - 2];
  const b = points[n - 1];
  d +=
    `C${r((2 * a.x + b.x) / 3)},${r((2 * a.y + b.y) / 3)} ` +
    `${r((a.x + 2 * b.x) / 3)},${r((a.y + 2 * b.y) / 3)} ` +
    `${r(b.x)},${r(b.y)}`;
  return d;
}

/**
 * The outline of a node of `kind` in a `width` x `height` box at the origin: a run is a
 * rounded rectangle, a dataset version a cylinder, an artifact a note with a folded
 * corner, a model version a hexagon, a registry event a pennant, a pipeline version (a
 * plan) a parallelogram, a job a chevron pointing on to its runs.
 */
export function nodeShapePath(
  kind: string,
  width: number,
  height: number
): string {
  const w = width;
  const h = height;
  switch (kind) {
    case 'dataset_version': {
      const ry = Math.min(6, h / 6);
      const rx = w / 2;
      return (
        `M0,${ry}A${rx},${ry} 0 0 1 ${w},${ry}V${h - ry}` +
        `A${rx},${ry} 0 0 1 0,${h - ry}Z` +
        `M0,${ry}A${rx},${ry} 0 0 0 ${w},${ry}`
      );
    }
    case 'artifact': {
      const f = Math.min(12, h / 3);
      return `M0,0H${w - f}L${w},${f}V${h}H0Z` + `M${w - f},0V${f}H${w}`;
    }
    case 'model_version': {
      const i = Math.min(14, w / 4);
      return `M${i},0H${w - i}L${w},${h / 2}L${w - i},${h}H${i}L0,${h / 2}Z`;
    }
    case 'registry_event': {
      const n = Math.min(12, w / 6);
      return `M0,0H${w}L${w - n},${h / 2}L${w},${h}H0Z`;
    }
    case 'pipeline_version': {
      const s = Math.min(10, w / 8);
      return `M${s},0H${w}L${w - s},${h}H0Z`;
    }
    case 'job': {
      const p = Math.min(14, w / 4);
      return `M0,0H${w - p}L${w},${h / 2}L${w - p},${h}H0Z`;
    }
    default: {
      const r = Math.min(8, h / 4);
      return (
        `M${r},0H${w - r}A${r},${r} 0 0 1 ${w},${r}V${h - r}` +
        `A${r},${r} 0 0 1 ${w - r},${h}H${r}A${r},${r} 0 0 1 0,${h - r}` +
        `V${r}A${r},${r} 0 0 1 ${r},0Z`
      );
    }
  }
}

/** Where a node's two text lines sit (baselines from the top), clear of its outline. */
export function textBaselines(kind: string): { label: number; meta: number } {
  return kind === 'dataset_version'
    ? { label: 24, meta: 37 }
    : { label: 19, meta: 34 };
}

/** `text` cut to `max` characters with an ellipsis, or unchanged if it fits. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max
    ? text
    : chars.slice(0, max - 1).join('') + '\u2026';
}

/** The scale and translation that fit a `width` x `height` layout in a viewport. */
export function fitTransform(
  layoutWidth: number,
  layoutHeight: number,
  viewWidth: number,
  viewHeight: number,
  options: { padding?: number; maxScale?: number; minScale?: number } = {}
): { k: number; x: number; y: number } {
  const padding = options.padding ?? 16;
  const maxScale = options.maxScale ?? 1.25;
  const minScale = options.minScale ?? 0.02;
  const w = Math.max(1, layoutWidth);
  const h = Math.max(1, layoutHeight);
  const availableW = Math.max(1, viewWidth - 2 * padding);
  const availableH = Math.max(1, viewHeight - 2 * padding);
  const k = Math.min(
    maxScale,
    Math.max(minScale, Math.min(availableW / w, availableH / h))
  );
  return {
    k,
    x: (viewWidth - w * k) / 2,
    y: (viewHeight - h * k) / 2
  };
}
