import {
  caretDownIcon,
  caretRightIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import React, { useCallback } from 'react';

import { CommandIDs, ICommandRunner } from '../shared/commands';
import { ErrorMessage } from '../shared/ErrorMessage';
import { formatRelative, formatTime } from '../shared/format';
import { useSignal } from '../shared/useSignal';
import { decideInDialog, decideRecommendationInDialog } from './decisionDialog';
import { ModelDetail } from './ModelDetail';
import { ModelsModel } from './modelsModel';
import { JobsCommandIDs } from '../pipelines/commands';

/**
 * The Jobs tab's command that shows a job (args `{jobId}`); the Models section links a
 * retraining job to it only when it is registered.
 */

/** `1 recommendation`, `2 recommendations`. */
const recommendationsText = (count: number): string =>
  `${count} ${count === 1 ? 'recommendation' : 'recommendations'}`;

/** Properties of {@link ModelsSection}. */
export interface IModelsSectionProps {
  model: ModelsModel;
  commands: ICommandRunner;
}

/**
 * The side panel's Models section: every registered model with its latest version,
 * aliases and the requests and retraining recommendations waiting on it; opening one
 * shows its pending requests with their check reports, its recommendations, its versions
 * and its history.
 */
export function ModelsSection({
  model,
  commands
}: IModelsSectionProps): JSX.Element {
  useSignal(model.changed);
  const onRun = useCallback(
    (runId: string) => void commands.execute(CommandIDs.openRun, { runId }),
    [commands]
  );
  const onDataset = useCallback(
    (dataset: string, versionId: number) =>
      void commands.execute(CommandIDs.showDatasetVersion, {
        dataset,
        versionId
      }),
    [commands]
  );
  const onLineage = useCallback(
    (modelVersionId: number) =>
      void commands.execute(CommandIDs.openLineage, {
        kind: 'model_version',
        nodeId: String(modelVersionId)
      }),
    [commands]
  );
  const onDecide = useCallback(
    (requestId: number, approve: boolean) => {
      const request = model.detail?.pending_requests.find(
        found => found.id === requestId
      );
      if (request) {
        void decideInDialog(model, request, approve);
      }
    },
    [model]
  );
  const onDecideRecommendation = useCallback(
    (recommendationId: number, accept: boolean) => {
      const recommendation = model.recommendations?.find(
        found => found.id === recommendationId
      );
      if (recommendation) {
        void decideRecommendationInDialog(model, recommendation, accept);
      }
    },
    [model]
  );
  const hasJobs = commands.hasCommand?.(JobsCommandIDs.showJob) ?? false;
  const onJob = useCallback(
    (jobId: string) => void commands.execute(JobsCommandIDs.showJob, { jobId }),
    [commands]
  );

  const models = model.models;
  const now = Date.now();
  let body: React.ReactNode;
  if (models === null) {
    body = model.loading ? (
      <p className="jp-MlopsPanel-hint">Loading models…</p>
    ) : null;
  } else if (models.length === 0) {
    body = (
      <div className="jp-MlopsModels-empty" role="note">
        <p>
          <strong>No registered models yet.</strong>{' '}
          <code>%%track --model clf --register churn</code> registers a
          cell&apos;s model as the next version of <code>churn</code>;{' '}
          <code>ml.register_model(run_id, &apos;churn&apos;)</code> registers a
          run&apos;s.
        </p>
      </div>
    );
  } else {
    body = (
      <ul className="jp-MlopsModels-list" aria-label="Registered models">
        {models.map(summary => {
          const opened = model.opened === summary.name;
          const Caret = opened ? caretDownIcon : caretRightIcon;
          const pending = model.pendingCount(summary.name);
          const recommended = model.recommendationCount(summary.name);
          const aliases = Object.entries(summary.aliases).sort(
            ([, a], [, b]) => b - a
          );
          return (
            <li key={summary.name}>
              <button
                className="jp-MlopsModels-model"
                data-model={summary.name}
                aria-expanded={opened}
                onClick={() => void model.toggleOpen(summary.name)}
              >
                <span className="jp-MlopsModels-caret" aria-hidden="true">
                  <Caret.react tag="span" />
                </span>
                <span className="jp-MlopsModels-name">{summary.name}</span>
                <span className="jp-MlopsModels-latest">
                  {summary.latest_version !== null
                    ? `v${summary.latest_version}`
                    : 'no versions'}
                </span>
                <span className="jp-MlopsModels-waiting">
                  {pending > 0 && (
                    <span
                      className="jp-MlopsModels-pending"
                      title={`${pending} ${pending === 1 ? 'request waits' : 'requests wait'} for a decision`}
                    >
                      {pending} pending
                    </span>
                  )}
                  {recommended > 0 && (
                    <span
                      className="jp-MlopsModels-pending jp-mod-recommendations"
                      title={`${recommendationsText(recommended)} to retrain or keep ${recommended === 1 ? 'waits' : 'wait'} for a decision`}
                    >
                      {recommendationsText(recommended)}
                    </span>
                  )}
                </span>
                <span
                  className="jp-MlopsModels-date"
                  title={`Changed ${formatTime(summary.updated_at)}`}
                >
                  {formatRelative(summary.updated_at, now)}
                </span>
                {aliases.length > 0 && (
                  <span className="jp-MlopsModels-aliases">
                    {aliases.map(([alias, version]) => (
                      <span
                        key={alias}
                        className={`jp-MlopsModels-alias${
                          model.protectedAliases.includes(alias)
                            ? ' jp-mod-protected'
                            : ''
                        }`}
                        data-alias={alias}
                      >
                        {alias}: v{version}
                      </span>
                    ))}
                  </span>
                )}
              </button>
              {opened && (
                <ModelDetail
                  model={model}
                  onRun={onRun}
                  onDataset={onDataset}
                  onLineage={onLineage}
                  onDecide={onDecide}
                  onDecideRecommendation={onDecideRecommendation}
                  onJob={hasJobs ? onJob : null}
                />
              )}
            </li>
          );
        })}
      </ul>
    );
  }

  return (
    <div className="jp-MlopsModels" role="region" aria-label="Models">
      <div className="jp-MlopsModels-toolbar">
        <span className="jp-MlopsModels-rules">
          {model.protectedAliases.length > 0
            ? `Protected: ${model.protectedAliases.join(', ')}`
            : ''}
        </span>
        <button
          className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsRuns-iconButton"
          aria-label="Refresh models"
          title="Refresh models"
          onClick={() => void model.load()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      <ErrorMessage message={model.error} />
      {body}
    </div>
  );
}
