import { refreshIcon } from '@jupyterlab/ui-components';
import React, {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState
} from 'react';

import { ILineage, LineageKind } from '../api/types';
import { IViewContext } from '../shared/commands';
import { ErrorMessage, messageOf } from '../shared/ErrorMessage';
import { formatCount } from '../shared/format';
import { ITitle, lineageTitle } from '../shared/titles';
import { LineageDetails } from './LineageDetails';
import { LineageGraph } from './LineageGraph';
import {
  ILineageGraph,
  ILineageLayout,
  layoutLineage,
  mergeLineage,
  splitNodeId
} from './lineageLayout';
import { kindName } from './nodeText';

/** The depths offered: edges followed from the node, null for all of them. */
export const DEPTHS: (number | null)[] = [1, 2, 5, null];

/** Graphs larger than this are laid out only when asked, as that takes seconds. */
export const LARGE_GRAPH = 1500;

/** Properties of {@link LineageExplorer}. */
export interface ILineageExplorerProps {
  context: Pick<IViewContext, 'client' | 'commands'>;
  kind: LineageKind;
  nodeId: string;
  /** The depth shown first; all by default. */
  initialDepth?: number | null;
  /**
   * The graph at the initial depth, already asked for (the view asks as it is created,
   * before it is drawn, to gain that time).
   */
  initial?: Promise<ILineage>;
  /** Called with the name of the node the graph is drawn around (the tab's title). */
  onTitle?: (title: ITitle) => void;
}

/**
 * The lineage view: fetches the graph around a node, lays it out and draws it, with a
 * depth control, a details pane and expansion of any node upstream or downstream.
 *
 * Once a graph is drawn, the root element carries `data-laid-out="true"` and
 * `data-node-count` (and `data-layout-ms`, the layout's own time).
 */
export function LineageExplorer({
  context,
  kind,
  nodeId,
  initialDepth = null,
  initial,
  onTitle
}: ILineageExplorerProps): JSX.Element {
  const { client, commands } = context;
  const root = useRef<HTMLDivElement>(null);
  const [depth, setDepth] = useState<number | null>(initialDepth);
  const [reloads, setReloads] = useState(0);
  const [graph, setGraph] = useState<ILineageGraph | null>(null);
  const graphRef = useRef<ILineageGraph | null>(null);
  graphRef.current = graph;
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [fitKey, setFitKey] = useState(0);
  const [largeAllowed, setLargeAllowed] = useState(false);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [expanding, setExpanding] = useState<'up' | 'down' | null>(null);
  const [expansion, setExpansion] = useState<{
    nodeId: string;
    note: string | null;
    error: string | null;
  } | null>(null);
  const layoutTime = useRef(0);
  const initialPending = useRef(true);

  useEffect(() => {
    let current = true;
    setLoading(true);
    const asked =
      initialPending.current && initial
        ? initial
        : client.getLineage(kind, nodeId, {
            direction: 'both',
            ...(depth === null ? {} : { depth })
          });
    initialPending.current = false;
    asked
      .then(found => {
        if (!current) {
          return;
        }
        setGraph(found);
        setError(null);
        setFitKey(key => key + 1);
        setExpansion(null);
        setSelectedId(id =>
          id !== null && found.nodes.some(n => n.id === id) ? id : null
        );
      })
      .catch(reason => {
        if (current) {
          setError(messageOf(reason));
        }
      })
      .finally(() => {
        if (current) {
          setLoading(false);
        }
      });
    return () => {
      current = false;
    };
  }, [client, kind, nodeId, depth, reloads, initial]);

  const tooLarge =
    graph !== null && graph.nodes.length > LARGE_GRAPH && !largeAllowed;

  const layout: ILineageLayout | null = useMemo(() => {
    if (!graph || tooLarge) {
      return null;
    }
    const started = performance.now();
    const laidOut = layoutLineage(graph);
    layoutTime.current = performance.now() - started;
    return laidOut;
  }, [graph, tooLarge]);

  // Called by the graph in an effect after the commit that put all its nodes in the DOM.
  const onDrawn = useCallback((count: number) => {
    const node = root.current;
    if (node) {
      node.setAttribute('data-laid-out', 'true');
      node.setAttribute('data-node-count', String(count));
      node.setAttribute(
        'data-layout-ms',
        String(Math.round(layoutTime.current))
      );
    }
  }, []);
  useEffect(() => {
    const node = root.current;
    if (node && !layout) {
      node.removeAttribute('data-laid-out');
      node.removeAttribute('data-node-count');
      node.removeAttribute('data-layout-ms');
    }
  }, [layout]);

  const onSelect = useCallback((id: string | null) => setSelectedId(id), []);

  const selected = useMemo(
    () => graph?.nodes.find(n => n.id === selectedId) ?? null,
    [graph, selectedId]
  );

  const expand = useCallback(
    async (direction: 'up' | 'down') => {
      if (!selected) {
        return;
      }
      const target = selected.id;
      const where = direction === 'up' ? 'upstream' : 'downstream';
      setExpanding(direction);
      setExpansion(null);
      try {
        const { kind: nodeKind, nodeId: id } = splitNodeId(target);
        const found = await client.getLineage(nodeKind, id, {
          direction,
          depth: 1
        });
        const base = graphRef.current;
        if (!base) {
          return;
        }
        const { graph: merged, added } = mergeLineage(base, found);
        setGraph(merged);
        setExpansion({
          nodeId: target,
          note:
            added.length > 0
              ? `Added ${added.length} ${added.length === 1 ? 'node' : 'nodes'} ${where}.`
              : `Nothing more ${where}: every neighbour is already shown.`,
          error: null
        });
      } catch (reason) {
        setExpansion({ nodeId: target, note: null, error: messageOf(reason) });
      } finally {
        setExpanding(null);
      }
    },
    [client, selected]
  );

  const rootNode = graph?.nodes.find(n => n.id === graph.root);
  const title = rootNode?.label ?? nodeId;
  const tabTitle = rootNode ? lineageTitle(rootNode) : null;
  const tabLabel = tabTitle?.label;
  useEffect(() => {
    if (tabTitle) {
      onTitle?.(tabTitle);
    }
    // Its text says when the title changed: tabTitle itself is new every render.
  }, [tabLabel, onTitle]);
  const shownExpansion =
    expansion && selected && expansion.nodeId === selected.id
      ? expansion
      : null;

  return (
    <div
      ref={root}
      className="jp-MlopsLineage"
      aria-label={`Lineage of ${kindName(kind).toLowerCase()} ${title}`}
    >
      <div className="jp-MlopsLineage-toolbar">
        <h2 className="jp-MlopsLineage-title" title={title}>
          <span className="jp-MlopsLineage-titleKind">
            Lineage of {kindName(kind).toLowerCase()}
          </span>{' '}
          <span className="jp-MlopsLineage-titleLabel">{title}</span>
        </h2>
        <label className="jp-MlopsLineage-depth">
          Depth{' '}
          <select
            className="jp-mod-styled"
            value={depth === null ? 'all' : String(depth)}
            onChange={event => {
              const value = event.target.value;
              setLargeAllowed(false);
              setDepth(value === 'all' ? null : Number(value));
            }}
          >
            {DEPTHS.map(d => (
              <option key={String(d)} value={d === null ? 'all' : String(d)}>
                {d === null ? 'All' : String(d)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-MlopsLineage-button"
          aria-label="Refresh"
          title="Fetch the graph again"
          onClick={() => setReloads(n => n + 1)}
        >
          <refreshIcon.react tag="span" />
        </button>
        {graph && (
          <span className="jp-MlopsLineage-counts">
            {formatCount(graph.nodes.length)} nodes,{' '}
            {formatCount(graph.edges.length)} edges
          </span>
        )}
        {loading && graph && (
          <span className="jp-MlopsLineage-loading" role="status">
            Loading ...
          </span>
        )}
      </div>
      <ErrorMessage message={error} />
      <div className="jp-MlopsLineage-body">
        <div className="jp-MlopsLineage-main">
          {layout && graph && (
            <LineageGraph
              layout={layout}
              rootId={graph.root}
              selectedId={selectedId}
              onSelect={onSelect}
              fitKey={fitKey}
              onDrawn={onDrawn}
            />
          )}
          {tooLarge && graph && (
            <div className="jp-MlopsLineage-large" role="status">
              <p>
                This lineage has {formatCount(graph.nodes.length)} nodes; laying
                them all out takes a while.
              </p>
              <button
                type="button"
                className="jp-Button jp-mod-styled jp-mod-accept"
                onClick={() => setLargeAllowed(true)}
              >
                Show all {formatCount(graph.nodes.length)} nodes
              </button>
              <button
                type="button"
                className="jp-Button jp-mod-styled jp-MlopsLineage-button"
                onClick={() => setDepth(2)}
              >
                Show depth 2
              </button>
            </div>
          )}
          {!graph && loading && (
            <p className="jp-MlopsLineage-placeholder">Loading ...</p>
          )}
        </div>
        {graph && (
          <LineageDetails
            node={selected}
            isRoot={selected !== null && selected.id === graph.root}
            commands={commands}
            onExpand={direction => void expand(direction)}
            expanding={expanding}
            note={shownExpansion?.note ?? null}
            error={shownExpansion?.error ?? null}
          />
        )}
      </div>
    </div>
  );
}
