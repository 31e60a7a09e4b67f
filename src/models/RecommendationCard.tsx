import React from 'react';

import { IColumnDrift, IRecommendation } from '../api/types';
import { ErrorMessage } from '../shared/ErrorMessage';
import {
  formatCount,
  formatRelative,
  formatStatistic,
  formatTime
} from '../shared/format';
import { datasetOf } from './ModelVersions';

/** Properties of {@link RecommendationCard}. */
export interface IRecommendationCardProps {
  recommendation: IRecommendation;
  /** Why the last decision on it was refused. */
  error: string | null;
  /** Whether a decision is on its way. */
  deciding: boolean;
  /** Accept (true) or dismiss (false) it: asks for a comment or a reason first. */
  onDecide(accept: boolean): void;
  onDataset(dataset: string, versionId: number): void;
  /** Show a job in the Jobs tab; null where there is no Jobs tab. */
  onJob: ((jobId: string) => void) | null;
}

const TRIGGERS: Record<IRecommendation['trigger'], string> = {
  check_drift: 'drift checked',
  new_dataset_version: 'new training data'
};

/** A column's figures in words: `PSI 0.84, KS 0.41 (p 1.2e-30)` or `JS 0.25`. */
export function driftFigures(column: IColumnDrift): string {
  const figures: string[] = [];
  if (column.psi !== undefined) {
    figures.push(`PSI ${formatStatistic(column.psi)}`);
  }
  if (column.ks_statistic !== undefined) {
    const p =
      column.ks_pvalue !== undefined
        ? ` (p ${formatStatistic(column.ks_pvalue)})`
        : '';
    figures.push(`KS ${formatStatistic(column.ks_statistic)}${p}`);
  }
  if (column.js_distance !== undefined) {
    figures.push(`JS ${formatStatistic(column.js_distance)}`);
  }
  return figures.join(', ');
}

/** A dataset version of the comparison, as a link to it in the Datasets section. */
function DatasetLink({
  label,
  versionId,
  role,
  onDataset
}: {
  label: string | null;
  versionId: number | null;
  role: string;
  onDataset(dataset: string, versionId: number): void;
}): JSX.Element {
  if (label === null || versionId === null) {
    return <span className="jp-MlopsModels-muted">an unknown version</span>;
  }
  return (
    <button
      className="jp-MlopsModels-link"
      title={`Show the ${role} data, ${label}, in Datasets`}
      onClick={() => onDataset(datasetOf(label), versionId)}
    >
      <code>{label}</code>
    </button>
  );
}

/**
 * A retraining recommendation: its action (retrain or keep) as a badge, the version it
 * is about, the training data against the new data, why (the reasons, and each drifted
 * column's figures), and either Accept / Dismiss or who decided, when, why and what it
 * did (the retraining job, shown in the Jobs tab where there is one).
 */
export function RecommendationCard({
  recommendation: item,
  error,
  deciding,
  onDecide,
  onDataset,
  onJob
}: IRecommendationCardProps): JSX.Element {
  const errorId = `jp-MlopsModels-recommendationError-${item.id}`;
  const drifted = Object.entries(item.drift?.columns ?? {}).filter(
    ([, column]) => column.drifted
  );
  const rows = item.drift?.rows ?? {};
  const pending = item.status === 'pending';
  return (
    <li
      className={`jp-MlopsModels-recommendation jp-mod-${item.status}`}
      data-recommendation-id={item.id}
      aria-label={`Recommendation #${item.id}: ${item.action} v${item.version}, ${item.status}`}
    >
      <div className="jp-MlopsModels-requestHead">
        <span
          className={`jp-MlopsModels-action jp-mod-${item.action}`}
          data-action={item.action}
        >
          {item.action}
        </span>
        <span className="jp-MlopsModels-requestTitle">
          #{item.id} v{item.version}
        </span>
        <span
          className={`jp-MlopsModels-status jp-mod-${item.status}`}
          data-status={item.status}
        >
          {item.status}
        </span>
        <span className="jp-MlopsModels-muted">
          {TRIGGERS[item.trigger] ?? item.trigger},{' '}
          <span title={formatTime(item.created_at)}>
            {formatRelative(item.created_at)}
          </span>
        </span>
      </div>
      <div className="jp-MlopsModels-versionLinks">
        <DatasetLink
          label={item.training_dataset}
          versionId={item.training_dataset_version_id}
          role="training"
          onDataset={onDataset}
        />
        <span aria-label="against">→</span>
        <DatasetLink
          label={item.dataset_version}
          versionId={item.dataset_version_id}
          role="new"
          onDataset={onDataset}
        />
        {typeof rows.training === 'number' && typeof rows.new === 'number' && (
          <span className="jp-MlopsModels-muted">
            {formatCount(rows.training)} → {formatCount(rows.new)} rows
          </span>
        )}
      </div>
      {item.reasons.length > 0 && (
        <ul className="jp-MlopsModels-reasons" aria-label="Reasons">
          {item.reasons.map((reason, index) => (
            <li key={index}>{reason}</li>
          ))}
        </ul>
      )}
      {drifted.length > 0 && (
        <table className="jp-MlopsModels-drift">
          <caption>Drifted columns</caption>
          <tbody>
            {drifted.map(([name, column]) => (
              <tr key={name} data-drifted-column={name}>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td>{driftFigures(column)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pending ? (
        <>
          <ErrorMessage message={error} id={errorId} />
          <div className="jp-MlopsModels-actions">
            <button
              className="jp-Button jp-mod-styled jp-mod-accept"
              disabled={deciding}
              aria-describedby={error !== null ? errorId : undefined}
              onClick={() => onDecide(true)}
            >
              Accept
            </button>
            <button
              className="jp-Button jp-mod-styled jp-mod-reject"
              disabled={deciding}
              onClick={() => onDecide(false)}
            >
              Dismiss
            </button>
          </div>
        </>
      ) : (
        <Decision recommendation={item} onJob={onJob} />
      )}
    </li>
  );
}

/** Who decided a recommendation, when, why, and what accepting it did. */
function Decision({
  recommendation: item,
  onJob
}: {
  recommendation: IRecommendation;
  onJob: ((jobId: string) => void) | null;
}): JSX.Element {
  const jobId = item.job_id;
  return (
    <div className="jp-MlopsModels-decision">
      <div className="jp-MlopsModels-muted">
        {item.status} by{' '}
        <span className="jp-MlopsModels-who">
          {item.decided_by ?? 'someone'}
        </span>
        {item.decided_at !== null && (
          <>
            {' '}
            <span title={formatTime(item.decided_at)}>
              {formatRelative(item.decided_at)}
            </span>
          </>
        )}
      </div>
      {item.comment && <p className="jp-MlopsModels-comment">{item.comment}</p>}
      {item.outcome && (
        <div className="jp-MlopsModels-outcomeText">{item.outcome}</div>
      )}
      {jobId &&
        (onJob ? (
          <button
            className="jp-MlopsModels-link"
            title="Show the retraining job in the Jobs tab"
            onClick={() => onJob(jobId)}
          >
            Show job <code>{jobId.slice(0, 8)}</code>
          </button>
        ) : (
          <div className="jp-MlopsModels-muted">
            job <code>{jobId}</code>
          </div>
        ))}
    </div>
  );
}
