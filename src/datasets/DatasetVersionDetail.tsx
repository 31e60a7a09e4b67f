import React from 'react';

import { IColumnProfile, IDatasetVersionDetail } from '../api/types';
import { ErrorMessage } from '../shared/ErrorMessage';
import { formatCount, formatNumber, formatPercent } from '../shared/format';
import { versionName } from '../shared/titles';

/** Properties of {@link DatasetVersionDetail}. */
export interface IDatasetVersionDetailProps {
  detail: IDatasetVersionDetail | null;
  loading: boolean;
  error: string | null;
}

/** The few numbers that say most about a column, by its kind. */
function summary(profile: IColumnProfile | undefined): string {
  if (!profile) {
    return '';
  }
  if (profile.kind === 'numeric') {
    const parts = [];
    if (profile.min !== undefined && profile.min !== null) {
      parts.push(`min ${formatNumber(profile.min)}`);
    }
    if (profile.max !== undefined && profile.max !== null) {
      parts.push(`max ${formatNumber(profile.max)}`);
    }
    if (profile.mean !== undefined && profile.mean !== null) {
      parts.push(`mean ${formatNumber(profile.mean)}`);
    }
    return parts.join(' · ');
  }
  if (profile.kind === 'datetime') {
    return profile.min ? `${profile.min} → ${profile.max}` : '';
  }
  if (Array.isArray(profile.top_values) && profile.top_values.length > 0) {
    const top = (profile.top_values as { value: string; count: number }[])
      .slice(0, 3)
      .map(({ value, count }) => `${value} (${formatCount(count)})`)
      .join(', ');
    return profile.top_values.length > 3 || profile.other ? `${top}, …` : top;
  }
  if (typeof profile.distinct === 'number') {
    return `${formatCount(profile.distinct)} distinct`;
  }
  return '';
}

/** `0`, or `12 (3.1%)`. */
function nulls(profile: IColumnProfile | undefined): string {
  if (!profile || typeof profile.nulls !== 'number') {
    return '';
  }
  if (profile.nulls === 0) {
    return '0';
  }
  const fraction =
    typeof profile.null_fraction === 'number'
      ? ` (${formatPercent(profile.null_fraction)})`
      : '';
  return `${formatCount(profile.nulls)}${fraction}`;
}

/**
 * A dataset version's schema with a compact profile of each column: its type, its nulls,
 * and min/max/mean or its most frequent values. Each column takes two short lines, so
 * the schema reads in the narrow side panel without a column cut off.
 */
export function DatasetVersionDetail({
  detail,
  loading,
  error
}: IDatasetVersionDetailProps): JSX.Element {
  if (error !== null) {
    return <ErrorMessage message={error} />;
  }
  if (loading || detail === null) {
    return <p className="jp-MlopsPanel-hint">Loading schema…</p>;
  }
  const facts = [
    detail.n_rows !== null ? `${formatCount(detail.n_rows)} rows` : null,
    `${formatCount(detail.columns.length)} columns`,
    detail.read_by > 0
      ? `read by ${formatCount(detail.read_by)} ${detail.read_by === 1 ? 'run' : 'runs'}`
      : null,
    detail.source ? detail.source : null
  ].filter(Boolean);
  return (
    <div
      className="jp-MlopsDatasets-detail"
      aria-label={`Schema of ${detail.dataset} version ${detail.version}`}
      role="group"
    >
      <p className="jp-MlopsDatasets-facts">{facts.join(' · ')}</p>
      {detail.same_content.length > 0 && (
        <p className="jp-MlopsDatasets-facts">
          Same content as {detail.same_content.map(versionName).join(', ')}
        </p>
      )}
      {detail.columns.length === 0 ? (
        <p className="jp-MlopsPanel-hint">No schema was recorded.</p>
      ) : (
        <table className="jp-MlopsDatasets-schema">
          <colgroup>
            <col />
            <col className="jp-MlopsDatasets-typeColumn" />
            <col className="jp-MlopsDatasets-nullsColumn" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">Nulls</th>
            </tr>
          </thead>
          {/* Two short lines per column, however narrow the panel: its name, type and
              nulls, then its profile across the whole width (in full on hover). */}
          {detail.columns.map(column => {
            const profile = detail.profile[column.name];
            const text = summary(profile);
            return (
              <tbody
                key={column.name}
                className="jp-MlopsDatasets-column"
                data-column={column.name}
              >
                <tr>
                  <th
                    scope="row"
                    className="jp-MlopsDatasets-columnName"
                    title={column.name}
                  >
                    {column.name}
                  </th>
                  <td className="jp-MlopsDatasets-dtype" title={column.dtype}>
                    {column.dtype}
                  </td>
                  <td className="jp-MlopsDatasets-nulls">{nulls(profile)}</td>
                </tr>
                {text && (
                  <tr>
                    <td
                      colSpan={3}
                      className="jp-MlopsDatasets-profile"
                      title={text}
                    >
                      {text}
                    </td>
                  </tr>
                )}
              </tbody>
            );
          })}
        </table>
      )}
    </div>
  );
}
