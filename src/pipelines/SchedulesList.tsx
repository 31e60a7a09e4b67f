import React, { useState } from 'react';

import { ErrorMessage, messageOf } from '../shared/ErrorMessage';
import { formatTime } from '../shared/format';
import { useSignal } from '../shared/useSignal';
import { JobsModel } from './jobsModel';
import { parametersText } from './jobText';

/** Properties of {@link SchedulesList}. */
export interface ISchedulesListProps {
  model: JobsModel;
}

/**
 * The schedules: each pipeline's cron in words and as written, its timezone, the next
 * three fires (none while paused), its parameters, and a Pause or Resume button.
 */
export function SchedulesList({
  model
}: ISchedulesListProps): JSX.Element | null {
  useSignal(model.changed);
  const [error, setError] = useState<string | null>(null);
  const schedules = model.schedules;
  if (schedules === null) {
    return null;
  }
  if (schedules.length === 0) {
    return (
      <p className="jp-MlopsJobs-hint">
        No schedules: choose Schedule in a notebook&apos;s Promote / run as job
        dialog.
      </p>
    );
  }
  return (
    <>
      <ErrorMessage message={error} />
      <ul className="jp-MlopsJobs-schedules" aria-label="Schedules">
        {schedules.map(schedule => (
          <li
            key={schedule.id}
            className="jp-MlopsJobs-schedule"
            data-schedule-id={schedule.id}
          >
            <div className="jp-MlopsJobs-scheduleHead">
              <span className="jp-MlopsJobs-name">
                {schedule.pipeline}
                {schedule.version !== null && (
                  <span className="jp-MlopsJobs-dim"> v{schedule.version}</span>
                )}
              </span>
              <button
                className="jp-Button jp-mod-styled jp-mod-small"
                aria-label={`${schedule.paused ? 'Resume' : 'Pause'} the schedule of ${schedule.pipeline}`}
                onClick={() => {
                  setError(null);
                  model
                    .setPaused(schedule.id, !schedule.paused)
                    .catch(reason => setError(messageOf(reason)));
                }}
              >
                {schedule.paused ? 'Resume' : 'Pause'}
              </button>
            </div>
            <div>
              {schedule.description}{' '}
              <span className="jp-MlopsJobs-dim">
                (<code>{schedule.cron}</code>, {schedule.timezone})
              </span>
            </div>
            <div className="jp-MlopsJobs-dim">
              {parametersText(schedule.parameters)}
            </div>
            {schedule.paused ? (
              <div className="jp-MlopsJobs-paused">Paused</div>
            ) : (
              <ol className="jp-MlopsJobs-fires" aria-label="Next fires">
                {schedule.next_fires.map(fire => (
                  <li key={fire}>{formatTime(fire)}</li>
                ))}
              </ol>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
