import React from 'react';

import { ITransitionRequest } from '../api/types';
import { ErrorMessage } from '../shared/ErrorMessage';
import { formatRelative, formatTime } from '../shared/format';
import { CiReport } from './CiReport';

/** Properties of {@link TransitionRequestCard}. */
export interface ITransitionRequestCardProps {
  request: ITransitionRequest;
  /** Why the last decision on it was refused. */
  error: string | null;
  /** Whether a decision is on its way. */
  deciding: boolean;
  /** Approve (true) or reject (false) it: asks for a comment first. */
  onDecide(approve: boolean): void;
}

/**
 * A pending transition request: which version, to which alias (and where the alias is
 * now), who asked when and why, its check report, and Approve / Reject buttons; a
 * refusal from the server is shown as its message.
 */
export function TransitionRequestCard({
  request,
  error,
  deciding,
  onDecide
}: ITransitionRequestCardProps): JSX.Element {
  const errorId = `jp-MlopsModels-requestError-${request.id}`;
  return (
    <li
      className="jp-MlopsModels-request"
      data-request-id={request.id}
      aria-label={`Request #${request.id}`}
    >
      <div className="jp-MlopsModels-requestHead">
        <span className="jp-MlopsModels-requestTitle">
          #{request.id} v{request.version} → {request.to}
        </span>
        <span className="jp-MlopsModels-muted">
          {request.from_version !== null
            ? `now v${request.from_version}`
            : 'not set yet'}
        </span>
      </div>
      <div className="jp-MlopsModels-muted">
        asked by {request.requested_by ?? 'someone'}{' '}
        <span title={formatTime(request.requested_at)}>
          {formatRelative(request.requested_at)}
        </span>
        {request.test_dataset ? `, tested on ${request.test_dataset}` : ''}
      </div>
      {request.reason && (
        <p className="jp-MlopsModels-comment">{request.reason}</p>
      )}
      {request.report ? (
        <CiReport report={request.report} />
      ) : (
        <div className="jp-MlopsModels-muted">No check was asked for.</div>
      )}
      <ErrorMessage message={error} id={errorId} />
      <div className="jp-MlopsModels-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={deciding}
          aria-describedby={error !== null ? errorId : undefined}
          onClick={() => onDecide(true)}
        >
          Approve
        </button>
        <button
          className="jp-Button jp-mod-styled jp-mod-reject"
          disabled={deciding}
          onClick={() => onDecide(false)}
        >
          Reject
        </button>
      </div>
    </li>
  );
}
