import React from 'react';

/** Properties of {@link RunBadges}. */
export interface IRunBadgesProps {
  status: string;
  /** Why the run is stale; no stale badge when empty. */
  staleReasons?: string[];
  /** When the run was deleted; no badge when null. */
  deletedAt?: number | null;
}

/** The badge class of a status: the colour says how the run ended. */
function statusModifier(status: string): string {
  switch (status) {
    case 'finished':
      return 'jp-mod-finished';
    case 'running':
      return 'jp-mod-running';
    case 'failed':
    case 'crashed':
      return 'jp-mod-failed';
    default:
      return 'jp-mod-other';
  }
}

/**
 * A run's status as a small coloured badge, with a "stale" badge (its reasons as the
 * tooltip) and a "deleted" badge when they apply.
 */
export function RunBadges({
  status,
  staleReasons = [],
  deletedAt = null
}: IRunBadgesProps): JSX.Element {
  return (
    <span className="jp-MlopsRunBadges">
      <span
        className={`jp-MlopsRunBadges-badge jp-MlopsRunBadges-status ${statusModifier(status)}`}
        data-status={status}
      >
        {status}
      </span>
      {staleReasons.length > 0 && (
        <span
          className="jp-MlopsRunBadges-badge jp-MlopsRunBadges-stale"
          title={staleReasons.join('\n')}
          aria-label={`stale: ${staleReasons.join('; ')}`}
        >
          stale
        </span>
      )}
      {deletedAt !== null && (
        <span className="jp-MlopsRunBadges-badge jp-MlopsRunBadges-deleted">
          deleted
        </span>
      )}
    </span>
  );
}
