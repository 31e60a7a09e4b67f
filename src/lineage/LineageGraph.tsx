import React, {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState
} from 'react';

import { LineageEdge } from './LineageEdge';
import { fitTransform, ILineageLayout } from './lineageLayout';
import { LineageLegend } from './LineageLegend';
import { LineageNode } from './LineageNode';

/**
 * Zoom limits. Below LABELS_BELOW labels could not be read: they are not drawn, which
 * also makes the first paint of a big graph (fitted small) cheaper.
 */
const MIN_SCALE = 0.02;
const MAX_SCALE = 4;
const LABELS_BELOW = 0.45;
/** A press that moves less than this many pixels is a click, not a drag. */
const DRAG_THRESHOLD = 4;
/** How far the arrow keys pan, in pixels. */
const PAN_STEP = 60;

/** The view's transform: scale, then translation in screen pixels. */
interface IView {
  k: number;
  x: number;
  y: number;
}

/** Properties of {@link LineageGraph}. */
export interface ILineageGraphProps {
  layout: ILineageLayout;
  rootId: string;
  selectedId: string | null;
  /** Called with a node's id, or null when the empty canvas is clicked; stable. */
  onSelect: (id: string | null) => void;
  /** A new value when a new graph is shown: the view is fitted to it then. */
  fitKey: number;
  /** Called after a commit that put every node of `layout` in the DOM; stable. */
  onDrawn?: (nodeCount: number) => void;
}

let markerSerial = 0;

function clampScale(k: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, k));
}

/**
 * The lineage graph as SVG, with pan (drag, arrow keys), zoom (wheel, +/- keys and
 * buttons) and Fit to view. The nodes and edges are memoised elements, so moving the view
 * renders only the transform.
 */
export function LineageGraph({
  layout,
  rootId,
  selectedId,
  onSelect,
  fitKey,
  onDrawn
}: ILineageGraphProps): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  // The canvas's size, kept up to date by a ResizeObserver: reading clientWidth once the
  // nodes are in the DOM would force a layout of all of them before the first paint.
  const size = useRef({ width: 0, height: 0 });
  // False for the first render, which draws no nodes so the canvas is measured cheaply.
  const [drawn, setDrawn] = useState(false);
  const [view, setView] = useState<IView>({ k: 1, x: 0, y: 0 });
  const markers = useMemo(() => {
    markerSerial += 1;
    return {
      plain: `jp-MlopsLineage-arrow-${markerSerial}`,
      highlighted: `jp-MlopsLineage-arrowHighlighted-${markerSerial}`
    };
  }, []);

  // What handlers registered once need to read at the time they run.
  const selectedRef = useRef(selectedId);
  selectedRef.current = selectedId;
  const viewRef = useRef(view);
  viewRef.current = view;
  const pendingFit = useRef(true);
  // Whether the view is fitted to the graph and the user has not moved it since: such a
  // view fits again when its pane is resized.
  const fitted = useRef(false);
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const fittedKey = useRef<number | null>(null);
  const shownLayout = useRef<ILineageLayout | null>(null);
  const drag = useRef<{
    pointer: number;
    startX: number;
    startY: number;
    viewX: number;
    viewY: number;
    moved: boolean;
  } | null>(null);
  const suppressClick = useRef(false);

  const viewport = (): { width: number; height: number } => size.current;

  const fit = useCallback(() => {
    const { width, height } = viewport();
    if (width <= 0 || height <= 0) {
      // Not shown yet (a background tab): fit once it gets a size.
      pendingFit.current = true;
      return;
    }
    pendingFit.current = false;
    fitted.current = true;
    setView(
      fitTransform(layout.width, layout.height, width, height, {
        minScale: MIN_SCALE,
        maxScale: 1.25
      })
    );
  }, [layout]);
  const fitRef = useRef(fit);
  fitRef.current = fit;

  /**
   * Bring a node into view, centred, when it lies outside the canvas (or too close to its
   * edge): a node reached with Tab, or the selected one once the details pane took room.
   */
  const reveal = useCallback((id: string | null) => {
    const placed = id ? layoutRef.current.byId.get(id) : undefined;
    const { width, height } = viewport();
    if (!placed || width <= 0 || height <= 0) {
      return;
    }
    const v = viewRef.current;
    const sx = placed.x * v.k + v.x;
    const sy = placed.y * v.k + v.y;
    const margin = Math.min(48, width / 4, height / 4);
    if (
      sx < margin ||
      sx > width - margin ||
      sy < margin ||
      sy > height - margin
    ) {
      setView({
        k: v.k,
        x: width / 2 - placed.x * v.k,
        y: height / 2 - placed.y * v.k
      });
    }
  }, []);

  const zoomBy = useCallback((factor: number, cx?: number, cy?: number) => {
    fitted.current = false;
    setView(current => {
      const k = clampScale(current.k * factor);
      const { width, height } = viewport();
      const px = cx ?? width / 2;
      const py = cy ?? height / 2;
      return {
        k,
        x: px - ((px - current.x) * k) / current.k,
        y: py - ((py - current.y) * k) / current.k
      };
    });
  }, []);

  useLayoutEffect(() => {
    if (!drawn) {
      const node = host.current;
      if (node) {
        size.current = { width: node.clientWidth, height: node.clientHeight };
      }
      setDrawn(true);
    }
    const before = shownLayout.current;
    shownLayout.current = layout;
    if (fittedKey.current !== fitKey) {
      fittedKey.current = fitKey;
      fit();
      return;
    }
    if (before && before !== layout) {
      // The graph grew (an expansion): keep the node being worked on where it was on
      // screen, instead of jumping to wherever the new layout put it.
      const anchor = selectedRef.current ?? rootId;
      const old = before.byId.get(anchor);
      const now = layout.byId.get(anchor);
      if (old && now) {
        setView(v => ({
          k: v.k,
          x: v.x + (old.x - now.x) * v.k,
          y: v.y + (old.y - now.y) * v.k
        }));
      }
    }
  }, [drawn, layout, fitKey, fit, rootId]);

  useEffect(() => {
    if (drawn) {
      onDrawn?.(layout.nodes.length);
    }
  }, [drawn, layout, onDrawn]);

  useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const rect = node.getBoundingClientRect();
      const unit = event.deltaMode === 1 ? 0.05 : 0.0015;
      zoomBy(
        Math.exp(-event.deltaY * unit),
        event.clientX - rect.left,
        event.clientY - rect.top
      );
    };
    node.addEventListener('wheel', onWheel, { passive: false });
    let observer: ResizeObserver | null = null;
    if (typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver(entries => {
        const box = entries[entries.length - 1].contentRect;
        size.current = { width: box.width, height: box.height };
        if (pendingFit.current || fitted.current) {
          // A pane grown or shrunk shows the whole graph again, unless the user has
          // zoomed or panned since it was fitted.
          fitRef.current();
        } else {
          // Else at least the selected node stays in view (the details pane took room).
          reveal(selectedRef.current);
        }
      });
      observer.observe(node);
    }
    return () => {
      node.removeEventListener('wheel', onWheel);
      observer?.disconnect();
    };
  }, [zoomBy, reveal]);

  // A node selected outside the view (from the keyboard, or an expansion) is shown.
  useEffect(() => {
    if (drawn) {
      reveal(selectedId);
    }
  }, [drawn, selectedId, reveal]);

  const onPointerDown = (event: React.PointerEvent) => {
    if (
      event.button !== 0 ||
      (event.target as Element).closest(
        '.jp-MlopsLineage-controls, .jp-MlopsLineage-legend'
      )
    ) {
      return;
    }
    drag.current = {
      pointer: event.pointerId,
      startX: event.clientX,
      startY: event.clientY,
      viewX: viewRef.current.x,
      viewY: viewRef.current.y,
      moved: false
    };
  };
  const onPointerMove = (event: React.PointerEvent) => {
    const state = drag.current;
    if (!state || state.pointer !== event.pointerId) {
      return;
    }
    const dx = event.clientX - state.startX;
    const dy = event.clientY - state.startY;
    if (!state.moved) {
      if (Math.hypot(dx, dy) < DRAG_THRESHOLD) {
        return;
      }
      state.moved = true;
      fitted.current = false;
      // Captured only once it is a drag, so a plain click still reaches its node.
      host.current?.setPointerCapture?.(event.pointerId);
    }
    setView(v => ({ k: v.k, x: state.viewX + dx, y: state.viewY + dy }));
  };
  const onPointerUp = (event: React.PointerEvent) => {
    const state = drag.current;
    if (!state || state.pointer !== event.pointerId) {
      return;
    }
    drag.current = null;
    if (state.moved) {
      suppressClick.current = true;
      host.current?.releasePointerCapture?.(event.pointerId);
    }
  };
  const onClickCapture = (event: React.MouseEvent) => {
    if (suppressClick.current) {
      suppressClick.current = false;
      event.stopPropagation();
    }
  };
  const onCanvasClick = (event: React.MouseEvent) => {
    const target = event.target as Element;
    if (
      !target.closest(
        '[data-node-id], .jp-MlopsLineage-controls, .jp-MlopsLineage-legend'
      )
    ) {
      onSelect(null);
    }
  };
  const onKeyDown = (event: React.KeyboardEvent) => {
    if ((event.target as Element).closest('button')) {
      return;
    }
    const pan: Record<string, [number, number]> = {
      ArrowLeft: [PAN_STEP, 0],
      ArrowRight: [-PAN_STEP, 0],
      ArrowUp: [0, PAN_STEP],
      ArrowDown: [0, -PAN_STEP]
    };
    if (event.key in pan) {
      const [dx, dy] = pan[event.key];
      fitted.current = false;
      setView(v => ({ k: v.k, x: v.x + dx, y: v.y + dy }));
    } else if (event.key === '+' || event.key === '=') {
      zoomBy(1.25);
    } else if (event.key === '-') {
      zoomBy(0.8);
    } else if (event.key === '0') {
      fit();
    } else {
      return;
    }
    event.preventDefault();
  };
  const onFocus = (event: React.FocusEvent) => {
    // A node reached with Tab is brought into view if it is outside it.
    const id = (event.target as Element)
      .closest('[data-node-id]')
      ?.getAttribute('data-node-id');
    reveal(id ?? null);
  };

  const edgeElements = useMemo(
    () =>
      layout.edges.map(edge => (
        <LineageEdge
          key={edge.key}
          edge={edge}
          highlighted={
            selectedId !== null &&
            (edge.source === selectedId || edge.target === selectedId)
          }
          markers={markers}
        />
      )),
    [layout, selectedId, markers]
  );
  const labelled = view.k >= LABELS_BELOW;
  const nodeElements = useMemo(
    () =>
      layout.nodes.map(placed => (
        <LineageNode
          key={placed.id}
          placed={placed}
          isRoot={placed.id === rootId}
          selected={placed.id === selectedId}
          labelled={labelled}
          onSelect={onSelect}
        />
      )),
    [layout, rootId, selectedId, labelled, onSelect]
  );

  return (
    <div
      ref={host}
      className="jp-MlopsLineage-canvas"
      tabIndex={0}
      role="group"
      aria-label={
        `Lineage graph of ${layout.nodes.length} nodes and ${layout.edges.length} ` +
        'edges: drag or use the arrow keys to pan, the wheel or + and - to zoom, ' +
        '0 to fit'
      }
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onClickCapture={onClickCapture}
      onClick={onCanvasClick}
      onKeyDown={onKeyDown}
      onFocus={onFocus}
    >
      <svg
        className={
          'jp-MlopsLineage-svg' + (labelled ? '' : ' jp-mod-zoomedOut')
        }
        width="100%"
        height="100%"
      >
        <defs>
          <marker
            id={markers.plain}
            viewBox="0 0 10 10"
            refX={9}
            refY={5}
            markerWidth={9}
            markerHeight={9}
            markerUnits="userSpaceOnUse"
            orient="auto"
          >
            <path className="jp-MlopsLineage-arrow" d="M0,0L10,5L0,10Z" />
          </marker>
          <marker
            id={markers.highlighted}
            viewBox="0 0 10 10"
            refX={9}
            refY={5}
            markerWidth={10}
            markerHeight={10}
            markerUnits="userSpaceOnUse"
            orient="auto"
          >
            <path
              className="jp-MlopsLineage-arrow jp-mod-highlighted"
              d="M0,0L10,5L0,10Z"
            />
          </marker>
        </defs>
        <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          <g className="jp-MlopsLineage-edges">{drawn && edgeElements}</g>
          <g className="jp-MlopsLineage-nodes">{drawn && nodeElements}</g>
        </g>
      </svg>
      <div className="jp-MlopsLineage-controls">
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-MlopsLineage-button"
          aria-label="Zoom in"
          title="Zoom in (+)"
          onClick={() => zoomBy(1.25)}
        >
          +
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-MlopsLineage-button"
          aria-label="Zoom out"
          title="Zoom out (-)"
          onClick={() => zoomBy(0.8)}
        >
          {'\u2212'}
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-MlopsLineage-button"
          title="Show the whole graph (0)"
          onClick={fit}
        >
          Fit to view
        </button>
      </div>
      <LineageLegend />
    </div>
  );
}
