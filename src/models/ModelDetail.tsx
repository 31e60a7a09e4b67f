import React from 'react';

import { ErrorMessage } from '../shared/ErrorMessage';
import { ModelHistory } from './ModelHistory';
import { ModelsModel } from './modelsModel';
import { ModelVersions } from './ModelVersions';
import { RecommendationCard } from './RecommendationCard';
import { TransitionRequestCard } from './TransitionRequestCard';

/** Properties of {@link ModelDetail}. */
export interface IModelDetailProps {
  model: ModelsModel;
  onRun(runId: string): void;
  onDataset(dataset: string, versionId: number): void;
  onLineage(modelVersionId: number): void;
  onDecide(requestId: number, approve: boolean): void;
  /** Accept (true) or dismiss (false) a retraining recommendation. */
  onDecideRecommendation(recommendationId: number, accept: boolean): void;
  /** Show a job in the Jobs tab; null where there is no Jobs tab. */
  onJob: ((jobId: string) => void) | null;
}

/**
 * The opened model: its pending requests (with their check reports and Approve / Reject),
 * its retraining recommendations (pending first, with Accept / Dismiss), its versions and
 * its audit history.
 */
export function ModelDetail({
  model,
  onRun,
  onDataset,
  onLineage,
  onDecide,
  onDecideRecommendation,
  onJob
}: IModelDetailProps): JSX.Element {
  const detail = model.detail;
  if (model.detailError !== null) {
    return <ErrorMessage message={model.detailError} />;
  }
  if (detail === null) {
    return <p className="jp-MlopsPanel-hint">Loading the model…</p>;
  }
  const pending = detail.pending_requests;
  const recommendations = model.recommendations ?? [];
  return (
    <div className="jp-MlopsModels-detail" data-model-detail={detail.name}>
      {detail.description && (
        <p className="jp-MlopsModels-comment">{detail.description}</p>
      )}
      <h3 className="jp-MlopsModels-heading">Pending requests</h3>
      {pending.length === 0 ? (
        <p className="jp-MlopsPanel-hint">No request waits for a decision.</p>
      ) : (
        <ul className="jp-MlopsModels-requests" aria-label="Pending requests">
          {pending.map(request => (
            <TransitionRequestCard
              key={request.id}
              request={request}
              error={model.decisionError(request.id)}
              deciding={model.isDeciding(request.id)}
              onDecide={approve => onDecide(request.id, approve)}
            />
          ))}
        </ul>
      )}
      <h3 className="jp-MlopsModels-heading">Retraining</h3>
      {recommendations.length === 0 ? (
        <p className="jp-MlopsPanel-hint">
          No retraining recommendation: none is made until new data of a
          version&apos;s training dataset is recorded, or{' '}
          <code>ml.check_drift</code> is asked.
        </p>
      ) : (
        <ul
          className="jp-MlopsModels-requests"
          aria-label="Retraining recommendations"
        >
          {recommendations.map(item => (
            <RecommendationCard
              key={item.id}
              recommendation={item}
              error={model.decisionError(item.id, 'recommendation')}
              deciding={model.isDeciding(item.id, 'recommendation')}
              onDecide={accept => onDecideRecommendation(item.id, accept)}
              onDataset={onDataset}
              onJob={onJob}
            />
          ))}
        </ul>
      )}
      <h3 className="jp-MlopsModels-heading">Versions</h3>
      <ModelVersions
        versions={detail.model_versions}
        protectedAliases={detail.protected_aliases}
        onRun={onRun}
        onDataset={onDataset}
        onLineage={onLineage}
      />
      <h3 className="jp-MlopsModels-heading">History</h3>
      <ModelHistory events={model.history ?? []} />
    </div>
  );
}
