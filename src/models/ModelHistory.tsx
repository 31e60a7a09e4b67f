import React from 'react';

import { IHistoryEvent } from '../api/types';
import { formatTime } from '../shared/format';
import { describeEvent, eventComment } from './historyText';

/** Properties of {@link ModelHistory}. */
export interface IModelHistoryProps {
  events: readonly IHistoryEvent[];
}

/**
 * A model's audit history, newest first: when, who, what (a version registered, an
 * alias moved, a request made, approved or rejected) and the comment given with it.
 */
export function ModelHistory({ events }: IModelHistoryProps): JSX.Element {
  if (events.length === 0) {
    return <p className="jp-MlopsPanel-hint">Nothing happened yet.</p>;
  }
  return (
    <ol className="jp-MlopsModels-history" aria-label="History" reversed>
      {[...events].reverse().map(event => {
        const comment = eventComment(event);
        return (
          <li
            key={event.id}
            className="jp-MlopsModels-event"
            data-event-kind={event.kind}
          >
            <div className="jp-MlopsModels-eventHead">
              <span className="jp-MlopsModels-eventWhat">
                {describeEvent(event)}
              </span>
            </div>
            <div className="jp-MlopsModels-muted">
              {event.actor ?? 'someone'}, {formatTime(event.created_at)}
            </div>
            {comment !== null && (
              <p className="jp-MlopsModels-comment">{comment}</p>
            )}
          </li>
        );
      })}
    </ol>
  );
}
