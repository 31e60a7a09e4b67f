import React, { useCallback, useEffect, useState } from 'react';

import { IStatus } from '../api/types';
import { ErrorMessage, messageOf } from '../shared/ErrorMessage';
import { formatAtLeast } from '../shared/format';

/** Anything that can fetch the server's status (the API client, or a stand-in in tests). */
export interface IStatusSource {
  getStatus(): Promise<IStatus>;
}

/** Properties of {@link StatusView}. */
export interface IStatusViewProps {
  source: IStatusSource;
  /**
   * Whether to fetch the status yet: the panel asks only once its first rows are
   * painted, so that this request never delays them.
   */
  active?: boolean;
}

type CountKey = 'experiments' | 'runs' | 'datasets' | 'models';

const COUNT_LABELS: [CountKey, string][] = [
  ['experiments', 'Experiments'],
  ['runs', 'Runs'],
  ['datasets', 'Datasets'],
  ['models', 'Models']
];

/** The last part of a store's URL or path: `mlops.sqlite`. */
function shortLocation(url: string): string {
  const parts = url.split(/[\\/]/).filter(Boolean);
  return parts.length > 0 ? parts[parts.length - 1] : url;
}

/**
 * The panel's footer: which store the panel reads, as one line that opens onto the
 * server's version, the store's location and what it holds.
 * Every value from the server is rendered as text.
 */
export function StatusView({
  source,
  active = true
}: IStatusViewProps): JSX.Element {
  const [status, setStatus] = useState<IStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const refresh = useCallback(async () => {
    setLoading(true);
    try {
      setStatus(await source.getStatus());
      setError(null);
    } catch (reason) {
      setError(messageOf(reason));
    } finally {
      setLoading(false);
    }
  }, [source]);

  useEffect(() => {
    if (active) {
      void refresh();
    }
  }, [refresh, active]);

  let line = 'Store';
  if (status !== null) {
    line = `${status.store.kind} store · ${shortLocation(status.store.url)}`;
  } else if (error !== null) {
    line = 'Store unavailable';
  }

  return (
    <details className="jp-MlopsPanel-store">
      <summary
        className="jp-MlopsPanel-storeLine"
        title={status?.store.url ?? error ?? undefined}
      >
        {line}
      </summary>
      <ErrorMessage message={error} />
      {status !== null && (
        <dl className="jp-MlopsPanel-status" aria-label="Store status">
          <dt>Version</dt>
          <dd data-field="version">{status.version}</dd>
          <dt>Store</dt>
          <dd data-field="kind">{status.store.kind}</dd>
          <dt>Location</dt>
          <dd data-field="url" title={status.store.source}>
            {status.store.url}
          </dd>
          <dt>Artifacts</dt>
          <dd data-field="artifacts">{status.store.artifacts}</dd>
          {COUNT_LABELS.map(([key, label]) => (
            <React.Fragment key={key}>
              <dt>{label}</dt>
              <dd data-field={key}>
                {formatAtLeast(
                  status.counts[key],
                  key !== 'runs' || status.counts.runs_complete
                )}
              </dd>
            </React.Fragment>
          ))}
        </dl>
      )}
      <button
        className="jp-Button jp-mod-styled jp-mod-reject jp-MlopsPanel-refresh"
        aria-label="Refresh the store status"
        onClick={() => void refresh()}
        disabled={loading}
      >
        Refresh
      </button>
    </details>
  );
}
