import React from 'react';

/** Properties of {@link RunsStatusBadge}. */
export interface IRunsStatusBadgeProps {
  status: string;
}

/**
 * A run's status as a small coloured pill (`running`, `finished`, `failed`, `killed`...);
 * the colour comes from the theme, the word says it without colour.
 */
export function RunsStatusBadge({
  status
}: IRunsStatusBadgeProps): JSX.Element {
  // Only letters reach the class name: a status is the server's text.
  const kind = status.toLowerCase().replace(/[^a-z]/g, '');
  return (
    <span className={`jp-MlopsRuns-status jp-mod-${kind || 'unknown'}`}>
      {status}
    </span>
  );
}
