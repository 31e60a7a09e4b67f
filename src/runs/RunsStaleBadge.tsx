import React from 'react';

/** Properties of {@link RunsStaleBadge}. */
export interface IRunsStaleBadgeProps {
  reasons: readonly string[];
}

/**
 * A warning mark on a stale run; its tooltip and accessible name list why it is stale
 * (a dataset it read has a newer version, its cell's code changed since...).
 */
export function RunsStaleBadge({
  reasons
}: IRunsStaleBadgeProps): JSX.Element | null {
  if (reasons.length === 0) {
    return null;
  }
  const label = `Stale: ${reasons.join('; ')}`;
  // A reason may itself hold a semicolon: the tooltip puts each on its own line.
  const tooltip = ['Stale:', ...reasons.map(reason => `• ${reason}`)].join(
    '\n'
  );
  return (
    <span
      className="jp-MlopsRuns-stale"
      role="img"
      aria-label={label}
      title={tooltip}
    >
      <span aria-hidden="true">⚠</span>
    </span>
  );
}
