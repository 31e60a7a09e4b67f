import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import React, { memo } from 'react';

import { IColumnDiff, IColumnProfile } from '../api/types';
import { formatChange, formatPercent } from '../shared/format';
import { DatasetDiffChart } from './DatasetDiffChart';
import { DatasetDiffStats } from './DatasetDiffStats';
import { valueText } from './diffText';
import { IVersionLabels } from './driftCharts';

/** Properties of {@link DatasetDiffColumn}. */
export interface IDatasetDiffColumnProps {
  name: string;
  diff: IColumnDiff;
  labels: IVersionLabels;
  thresholds: Record<string, number>;
  drifted: boolean;
  /** How the schema changed for this column, if it did. */
  schema: 'added' | 'removed' | 'type_changed' | null;
  rendermime: IRenderMimeRegistry | null;
}

/** How many of the most frequent values the profile table lists. */
const TOP_SHOWN = 5;

/** The profile fields compared, in order, with the names they are shown under. */
const FIELDS: { field: string; label: string }[] = [
  { field: 'kind', label: 'Kind' },
  { field: 'dtype', label: 'Type' },
  { field: 'count', label: 'Values' },
  { field: 'nulls', label: 'Nulls' },
  { field: 'distinct', label: 'Distinct' },
  { field: 'min', label: 'Min' },
  { field: 'max', label: 'Max' },
  { field: 'mean', label: 'Mean' },
  { field: 'std', label: 'Std' },
  { field: 'top_values', label: 'Top values' }
];

type Changes = NonNullable<IColumnDiff['changes']>;

function show(
  profile: IColumnProfile | null | undefined,
  field: string
): string {
  if (!profile) {
    return '';
  }
  const value = profile[field];
  if (field === 'nulls' && typeof value === 'number') {
    const fraction = profile.null_fraction;
    return typeof fraction === 'number' && value > 0
      ? `${valueText(value)} (${formatPercent(fraction)})`
      : valueText(value);
  }
  if (field === 'distinct' && typeof value === 'number') {
    return (profile.distinct_exact === false ? '~' : '') + valueText(value);
  }
  if (field === 'top_values') {
    if (!Array.isArray(value)) {
      return '\u2014';
    }
    const items = value
      .slice(0, TOP_SHOWN)
      .map(
        (item: { value: string; count: number }) =>
          `${item.value} (${valueText(item.count)})`
      );
    return items.join(', ') + (value.length > TOP_SHOWN ? ', \u2026' : '');
  }
  return valueText(value);
}

function isChanged(
  field: string,
  changes: Changes,
  a: IColumnProfile | null | undefined,
  b: IColumnProfile | null | undefined
): boolean {
  if (!a || !b) {
    return false;
  }
  if (field === 'nulls') {
    return 'nulls' in changes || 'null_fraction' in changes;
  }
  if (field === 'top_values') {
    return (
      'values_added' in changes ||
      'values_removed' in changes ||
      show(a, field) !== show(b, field)
    );
  }
  return field in changes;
}

/**
 * One column of the diff: its profile in both versions side by side with the changed
 * fields marked, its drift statistics against the thresholds, and its drift figure.
 * Drifted columns are highlighted (`jp-mod-drifted`).
 */
export const DatasetDiffColumn = memo(
  ({
    name,
    diff,
    labels,
    thresholds,
    drifted,
    schema,
    rendermime
  }: IDatasetDiffColumnProps): JSX.Element => {
    const a = diff.a ?? null;
    const b = diff.b ?? null;
    const changes: Changes =
      diff.changes && typeof diff.changes === 'object' ? diff.changes : {};
    const rows = FIELDS.filter(
      ({ field }) =>
        (a && a[field] !== undefined) || (b && b[field] !== undefined)
    );
    const changedCount = rows.filter(({ field }) =>
      isChanged(field, changes, a, b)
    ).length;
    const added: string[] = Array.isArray(changes.values_added)
      ? changes.values_added
      : [];
    const removed: string[] = Array.isArray(changes.values_removed)
      ? changes.values_removed
      : [];
    return (
      <section
        className={
          'jp-MlopsDatasetDiff-column' + (drifted ? ' jp-mod-drifted' : '')
        }
        data-column={name}
        aria-label={`Column ${name}${drifted ? ', drifted' : ''}`}
      >
        <header className="jp-MlopsDatasetDiff-columnHeader">
          <h3 className="jp-MlopsDatasetDiff-columnName">{name}</h3>
          {drifted && (
            <span className="jp-MlopsDatasetDiff-badge jp-mod-drifted">
              drifted
            </span>
          )}
          {schema === 'added' && (
            <span className="jp-MlopsDatasetDiff-badge jp-mod-added">
              added
            </span>
          )}
          {schema === 'removed' && (
            <span className="jp-MlopsDatasetDiff-badge jp-mod-removed">
              removed
            </span>
          )}
          {schema === 'type_changed' && (
            <span className="jp-MlopsDatasetDiff-badge jp-mod-typeChanged">
              type changed
            </span>
          )}
          {changedCount > 0 && (
            <span className="jp-MlopsDatasetDiff-changedCount">
              {changedCount} {changedCount === 1 ? 'field' : 'fields'} changed
            </span>
          )}
        </header>
        <div className="jp-MlopsDatasetDiff-columnBody">
          <div className="jp-MlopsDatasetDiff-columnFacts">
            <table
              className="jp-MlopsDatasetDiff-profile"
              aria-label={`Profile of ${name} in both versions`}
            >
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">{labels.a}</th>
                  <th scope="col">{labels.b}</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ field, label }) => {
                  const changed = isChanged(field, changes, a, b);
                  const found = changes[field];
                  const change = Array.isArray(found)
                    ? undefined
                    : found?.change;
                  return (
                    <tr
                      key={field}
                      data-field={field}
                      className={changed ? 'jp-mod-changed' : undefined}
                    >
                      <th scope="row">
                        {label}
                        {changed && (
                          <span
                            className="jp-MlopsDatasetDiff-changedMark"
                            title="changed"
                          >
                            {' \u25cf'}
                            <span className="jp-MlopsDatasetDiff-srOnly">
                              {' '}
                              (changed)
                            </span>
                          </span>
                        )}
                      </th>
                      <td>{a ? show(a, field) : 'not in this version'}</td>
                      <td>{b ? show(b, field) : 'not in this version'}</td>
                      <td>
                        {typeof change === 'number' ? formatChange(change) : ''}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {(added.length > 0 || removed.length > 0) && (
              <p className="jp-MlopsDatasetDiff-values">
                {added.length > 0 && <>New values: {added.join(', ')}. </>}
                {removed.length > 0 && <>Values gone: {removed.join(', ')}.</>}
              </p>
            )}
            <DatasetDiffStats
              column={name}
              drift={diff.drift}
              thresholds={thresholds}
            />
          </div>
          <DatasetDiffChart
            column={name}
            diff={diff}
            labels={labels}
            rendermime={rendermime}
          />
        </div>
      </section>
    );
  }
);
