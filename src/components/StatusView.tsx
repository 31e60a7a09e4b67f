import React, { useCallback, useEffect, useState } from 'react';

import { IStatus } from '../tokens';

/** Anything that can fetch the server's status (the API client, or a stand-in in tests). */
export interface IStatusSource {
  getStatus(): Promise<IStatus>;
}

/** Properties of {@link StatusView}. */
export interface IStatusViewProps {
  source: IStatusSource;
}

const COUNT_LABELS: [keyof IStatus['counts'], string][] = [
  ['experiments', 'Experiments'],
  ['runs', 'Runs'],
  ['datasets', 'Datasets'],
  ['models', 'Models']
];

/**
 * The panel's content: the server's version, where the store lives and what it holds.
 * Every value from the server is rendered as text.
 */
export function StatusView({ source }: IStatusViewProps): JSX.Element {
  const [status, setStatus] = useState<IStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const refresh = useCallback(async () => {
    setLoading(true);
    try {
      setStatus(await source.getStatus());
      setError(null);
    } catch (reason) {
      setError((reason as Error).message);
    } finally {
      setLoading(false);
    }
  }, [source]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <div className="jp-MlopsPanel-content">
      <div className="jp-MlopsPanel-header">
        <h2 className="jp-MlopsPanel-title">MLOps</h2>
        <button
          className="jp-Button jp-mod-styled jp-mod-reject jp-MlopsPanel-refresh"
          aria-label="Refresh the store status"
          onClick={() => void refresh()}
          disabled={loading}
        >
          Refresh
        </button>
      </div>
      {error !== null && (
        <div className="jp-MlopsPanel-error" role="alert">
          {error}
        </div>
      )}
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
              <dd data-field={key}>{status.counts[key]}</dd>
            </React.Fragment>
          ))}
        </dl>
      )}
      {status !== null && status.counts.runs === 0 && (
        <p className="jp-MlopsPanel-hint">
          No runs yet. In a notebook: <code>import mlops_jlab as ml</code>, then{' '}
          <code>with ml.start_run(): ml.log_metric('acc', 0.9)</code>
        </p>
      )}
    </div>
  );
}
