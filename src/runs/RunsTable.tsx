import { caretDownIcon, caretUpIcon } from '@jupyterlab/ui-components';
import { useVirtualizer } from '@tanstack/react-virtual';
import React, {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState
} from 'react';

import { frozenOffsets, IRunColumn, tableWidth } from './runColumns';
import { RunsModel } from './runsModel';
import { RunsRow } from './RunsRow';

/** Height of a row, in pixels (fixed: the virtualizer never measures a row). */
export const ROW_HEIGHT = 26;

/** Height of the sticky header row, in pixels. */
export const HEADER_HEIGHT = 28;

/** Properties of {@link RunsTable}. */
export interface IRunsTableProps {
  model: RunsModel;
  columns: readonly IRunColumn[];
  /** Open a run's detail. */
  onOpen(runId: string): void;
  /** Open a run's lineage graph. */
  onLineage(runId: string): void;
}

/** The grid columns, the name taking the room left (it is the widest text). */
function template(columns: readonly IRunColumn[]): string {
  return columns
    .map(column =>
      column.kind === 'name'
        ? `minmax(${column.width}px, 1fr)`
        : `${column.width}px`
    )
    .join(' ');
}

/**
 * The runs as a virtualized grid: only the rows in view are painted, and the rows the
 * view reaches are asked of the model, which loads the pages up to them (from the end of
 * the list when the view is at its end).
 * Keyboard, on a row or on the table: arrows, Page Up/Down, Home and End (with Ctrl too)
 * move between rows, End to the last run directly; Enter opens the run, Space selects it.
 */
export function RunsTable({
  model,
  columns,
  onOpen,
  onLineage
}: IRunsTableProps): JSX.Element {
  const scrollerRef = useRef<HTMLDivElement>(null);
  const [focusIndex, setFocusIndex] = useState(0);
  const pendingFocus = useRef<number | null>(null);
  // Set by End: the view stays at the last row while the rows there arrive and the
  // count grows, until the user moves elsewhere.
  const pinnedEnd = useRef(false);
  const count = model.rowCount;
  const loadedRows = model.rows.length + model.tailLength;

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollerRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    scrollMargin: HEADER_HEIGHT
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items.length > 0 ? items[0].index : 0;
  const lastIndex = items.length > 0 ? items[items.length - 1].index : 0;
  // The row that takes Tab; when it is scrolled away (or filtered out), the table itself
  // does, and hands the focus to the first row in view.
  const focusedPainted = items.some(
    item => item.index === focusIndex && model.rowAt(item.index) !== undefined
  );

  // Ask for the rows in view and half a page around, so that scrolling rarely waits.
  useEffect(() => {
    const half = Math.floor(model.pageSize / 2);
    model.ensureRows(Math.max(0, firstIndex - half), lastIndex + half);
  }, [model, firstIndex, lastIndex, loadedRows, count, model.loaded]);

  // Other rows (a new filter, order or toggle) start at the top: the end is let go.
  const query = model.query;
  useEffect(() => {
    pinnedEnd.current = false;
  }, [query]);

  // Pinned to the end, the view follows it as the last rows arrive and the count grows;
  // the last row takes the focus if the table has it (not from the filter box).
  useEffect(() => {
    if (pinnedEnd.current && count > 0) {
      setFocusIndex(count - 1);
      if (scrollerRef.current?.contains(document.activeElement)) {
        pendingFocus.current = count - 1;
      }
      virtualizer.scrollToIndex(count - 1, { align: 'end' });
    }
  }, [count, virtualizer]);

  // A row reached by the keyboard takes the focus once it is painted.
  useEffect(() => {
    const index = pendingFocus.current;
    if (index === null) {
      return;
    }
    const row = scrollerRef.current?.querySelector<HTMLElement>(
      `[role="row"][data-index="${index}"]`
    );
    if (row) {
      row.focus({ preventScroll: true });
      pendingFocus.current = null;
    }
  });

  const moveFocus = useCallback(
    (index: number) => {
      pinnedEnd.current = false;
      if (count === 0) {
        return;
      }
      const target = Math.max(0, Math.min(count - 1, index));
      setFocusIndex(target);
      pendingFocus.current = target;
      virtualizer.scrollToIndex(target, { align: 'auto' });
    },
    [count, virtualizer]
  );

  const jumpToEnd = () => {
    if (count === 0) {
      return;
    }
    pinnedEnd.current = true;
    model.jumpToEnd();
    setFocusIndex(count - 1);
    pendingFocus.current = count - 1;
    virtualizer.scrollToIndex(count - 1, { align: 'end' });
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>(
      '[role="row"][data-index]'
    );
    const onTable = event.target === event.currentTarget;
    if (!onTable && (!row || event.target !== row)) {
      return;
    }
    if (event.key === 'End') {
      event.preventDefault();
      jumpToEnd();
      return;
    }
    const index = onTable ? focusIndex : Number(row!.dataset.index);
    const page = Math.max(
      1,
      Math.floor(
        (scrollerRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT
      ) - 1
    );
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0
    };
    if (event.key in moves) {
      event.preventDefault();
      moveFocus(moves[event.key]);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const run = model.rowAt(index);
      if (run) {
        onOpen(run.id);
      }
    } else if (event.key === ' ') {
      event.preventDefault();
      model.toggleSelected(index, event.shiftKey);
    }
  };

  const onFocus = (event: React.FocusEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) {
      return;
    }
    const first = items.find(
      item =>
        model.rowAt(item.index) !== undefined &&
        item.start >= (virtualizer.scrollOffset ?? 0) + HEADER_HEIGHT - 1
    );
    if (first) {
      setFocusIndex(first.index);
      pendingFocus.current = first.index;
    }
  };

  const onClick = (event: React.MouseEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (target.closest('button, input, a')) {
      return;
    }
    const row = target.closest<HTMLElement>('[role="row"][data-run-id]');
    if (row) {
      setFocusIndex(Number(row.dataset.index));
      onOpen(row.dataset.runId!);
    }
  };

  const onToggle = useCallback(
    (index: number, range: boolean) => model.toggleSelected(index, range),
    [model]
  );

  const sort = model.query.sort;
  const gridColumns = template(columns);
  // Kept while the columns are, so the memoised rows do not paint again.
  const frozen = useMemo(() => frozenOffsets(columns), [columns]);
  const width = tableWidth(columns);
  // Relative times move on every ten seconds, so unchanged rows need not paint again.
  const now = Math.floor(Date.now() / 10000) * 10000;

  return (
    <div
      ref={scrollerRef}
      className="jp-MlopsRuns-scroller"
      role="grid"
      aria-label="Runs"
      aria-rowcount={count + 1}
      aria-colcount={columns.length}
      aria-multiselectable="true"
      aria-busy={model.fetchingMore || model.querying}
      tabIndex={focusedPainted ? -1 : 0}
      onFocus={onFocus}
      onKeyDown={onKeyDown}
      onWheel={() => (pinnedEnd.current = false)}
      onPointerDown={() => (pinnedEnd.current = false)}
      onClick={onClick}
    >
      <div
        className="jp-MlopsRuns-canvas"
        style={{
          height: HEADER_HEIGHT + virtualizer.getTotalSize(),
          minWidth: width
        }}
      >
        <div
          role="row"
          aria-rowindex={1}
          className="jp-MlopsRuns-header"
          style={{ gridTemplateColumns: gridColumns, height: HEADER_HEIGHT }}
        >
          {columns.map((column, index) => {
            const sorted =
              column.sortField !== null && sort.field === column.sortField
                ? sort.direction
                : null;
            const hideLabel =
              column.kind === 'select' || column.kind === 'actions';
            const left = frozen[index];
            return (
              <div
                key={column.id}
                role="columnheader"
                className={`jp-MlopsRuns-headerCell jp-mod-${column.kind}${
                  left !== null ? ' jp-mod-frozen' : ''
                }`}
                style={left !== null ? { left } : undefined}
                // The whole cell sorts, not only its label (the button fills it; a
                // click beside it counts too).
                onClick={
                  column.sortField === null
                    ? undefined
                    : event => {
                        if (event.target === event.currentTarget) {
                          void model.sortBy(column.sortField!);
                        }
                      }
                }
                aria-sort={
                  column.sortField === null
                    ? undefined
                    : sorted === 'ASC'
                      ? 'ascending'
                      : sorted === 'DESC'
                        ? 'descending'
                        : 'none'
                }
                title={column.title}
              >
                {column.sortField === null ? (
                  <span className={hideLabel ? 'jp-MlopsRuns-srOnly' : ''}>
                    {column.label}
                  </span>
                ) : (
                  <button
                    className="jp-MlopsRuns-sort"
                    onClick={() => void model.sortBy(column.sortField!)}
                  >
                    <span className="jp-MlopsRuns-sortLabel">
                      {column.label}
                    </span>
                    {sorted === 'ASC' && (
                      <span
                        className="jp-MlopsRuns-sortIcon"
                        aria-hidden="true"
                      >
                        <caretUpIcon.react tag="span" />
                      </span>
                    )}
                    {sorted === 'DESC' && (
                      <span
                        className="jp-MlopsRuns-sortIcon"
                        aria-hidden="true"
                      >
                        <caretDownIcon.react tag="span" />
                      </span>
                    )}
                  </button>
                )}
              </div>
            );
          })}
        </div>
        {items.map(item => {
          const run = model.rowAt(item.index);
          if (!run) {
            return (
              <div
                key={`placeholder-${item.index}`}
                className="jp-MlopsRuns-row jp-mod-placeholder"
                aria-hidden="true"
                style={{
                  gridTemplateColumns: gridColumns,
                  height: item.size,
                  transform: `translateY(${item.start}px)`
                }}
              >
                <span className="jp-MlopsRuns-placeholderBar" />
              </div>
            );
          }
          return (
            <RunsRow
              key={run.id}
              run={run}
              index={item.index}
              columns={columns}
              template={gridColumns}
              frozen={frozen}
              top={item.start}
              height={item.size}
              selected={model.isSelected(run.id)}
              focused={item.index === focusIndex}
              now={now}
              onToggle={onToggle}
              onLineage={onLineage}
            />
          );
        })}
      </div>
    </div>
  );
}
