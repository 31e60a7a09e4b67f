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
  const text = `Stale: ${reasons.join('; ')}`;
  return (
    <span
      className="jp-MlopsRuns-stale"
      role="img"
      aria-label={text}
      title={text}
    >
      <span aria-hidden="true">⚠</span>
    </span>
  );
}
