import React from 'react';

import { IRunSummary } from '../api/types';
import {
  formatDuration,
  formatNumber,
  formatRelative,
  formatTime
} from '../shared/format';
import { IRunColumn } from './runColumns';
import { RunsLineageIcon } from './RunsLineageIcon';
import { RunsStaleBadge } from './RunsStaleBadge';
import { RunsStatusBadge } from './RunsStatusBadge';

/** Properties of {@link RunsRow}. */
export interface IRunsRowProps {
  run: IRunSummary;
  index: number;
  columns: readonly IRunColumn[];
  /** The CSS grid columns, shared with the header. */
  template: string;
  /** Where each frozen column sticks (null for those that scroll sideways). */
  frozen: readonly (number | null)[];
  /** Pixels from the top of the table. */
  top: number;
  height: number;
  selected: boolean;
  /** Whether this row holds the table's keyboard focus (its controls are tabbable). */
  focused: boolean;
  /** Now, in ms, for relative start times. */
  now: number;
  onToggle(index: number, range: boolean): void;
  onLineage(runId: string): void;
}

/** The content of one cell. */
function cell(column: IRunColumn, props: IRunsRowProps): React.ReactNode {
  const { run, index, selected, focused } = props;
  switch (column.kind) {
    case 'select':
      return (
        <input
          type="checkbox"
          className="jp-MlopsRuns-check"
          aria-label={`Select run ${run.name}`}
          checked={selected}
          tabIndex={focused ? 0 : -1}
          // The click, not the change, says whether Shift was held; the row must not open.
          onChange={() => undefined}
          onClick={event => {
            event.stopPropagation();
            props.onToggle(index, event.shiftKey);
          }}
        />
      );
    case 'status':
      return <RunsStatusBadge status={run.status} />;
    case 'name':
      return <span>{run.name}</span>;
    case 'experiment':
      return <span title={run.experiment}>{run.experiment}</span>;
    case 'start':
      return (
        <span title={formatTime(run.start_time)}>
          {formatRelative(run.start_time, props.now)}
        </span>
      );
    case 'duration':
      return run.duration === null ? (
        <span className="jp-MlopsRuns-muted" title="Still running">
          …
        </span>
      ) : (
        <span title={`${run.duration} s`}>{formatDuration(run.duration)}</span>
      );
    case 'stale':
      return <RunsStaleBadge reasons={run.stale_reasons} />;
    case 'metrics': {
      const value = run.metrics[column.key ?? ''];
      return value === undefined ? null : (
        <span title={String(value)}>{formatNumber(value)}</span>
      );
    }
    case 'params':
    case 'tags': {
      const value = run[column.kind][column.key ?? ''];
      return value === undefined ? null : <span title={value}>{value}</span>;
    }
    case 'actions':
      return (
        <button
          className="jp-MlopsRuns-action"
          aria-label={`Lineage of run ${run.name}`}
          title="Lineage"
          tabIndex={focused ? 0 : -1}
          onClick={event => {
            event.stopPropagation();
            props.onLineage(run.id);
          }}
        >
          <RunsLineageIcon />
        </button>
      );
  }
}

/**
 * One painted run of the virtualized runs table: Enter or a click opens it (handled by
 * the table), Space or its checkbox selects it.
 */
function RunsRowBase(props: IRunsRowProps): JSX.Element {
  const {
    run,
    index,
    columns,
    template,
    frozen,
    top,
    height,
    selected,
    focused
  } = props;
  const deleted = run.deleted_at !== null;
  return (
    <div
      role="row"
      className={`jp-MlopsRuns-row${selected ? ' jp-mod-selected' : ''}${
        index % 2 ? ' jp-mod-odd' : ''
      }${deleted ? ' jp-mod-deleted' : ''}`}
      data-run-id={run.id}
      data-deleted={deleted ? 'true' : undefined}
      data-index={index}
      aria-rowindex={index + 2}
      aria-selected={selected}
      tabIndex={focused ? 0 : -1}
      style={{
        gridTemplateColumns: template,
        height,
        transform: `translateY(${top}px)`
      }}
    >
      {columns.map((column, i) => {
        const left = frozen[i];
        return (
          <div
            key={column.id}
            role="gridcell"
            className={`jp-MlopsRuns-cell jp-mod-${column.kind}${
              left !== null ? ' jp-mod-frozen' : ''
            }`}
            style={left !== null ? { left } : undefined}
            // The whole cell shows the full name and the id, however narrow it is.
            title={
              column.kind === 'name'
                ? `${run.name}${deleted ? ' (deleted)' : ''}\n${run.id}`
                : undefined
            }
          >
            {cell(column, props)}
          </div>
        );
      })}
    </div>
  );
}

/** {@link RunsRowBase}, painted again only when its own props change. */
export const RunsRow = React.memo(RunsRowBase);
