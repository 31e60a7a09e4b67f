import React from 'react';

/**
 * What an empty store shows instead of a blank table: how to record a first run, from a
 * notebook cell or from Python.
 */
export function RunsEmpty(): JSX.Element {
  return (
    <div className="jp-MlopsRuns-empty" role="note" aria-label="No runs yet">
      <p>
        <strong>No runs yet.</strong> Track a notebook cell:
      </p>
      <pre className="jp-MlopsRuns-code">
        <code>%load_ext mlops_jlab</code>
      </pre>
      <p>
        then put <code>%%track</code> on the first line of a cell and run it:
      </p>
      <pre className="jp-MlopsRuns-code">
        <code>
          {
            '%%track --metrics acc\nC = 0.5\nmodel = SVC(C=C).fit(X, y)\nacc = model.score(Xt, yt)'
          }
        </code>
      </pre>
      <p>Or record a run from Python:</p>
      <pre className="jp-MlopsRuns-code">
        <code>
          {
            "import mlops_jlab as ml\nwith ml.start_run('first'):\n    ml.log_param('C', 0.5)\n    ml.log_metric('acc', 0.9)"
          }
        </code>
      </pre>
      <p>It shows up here within a few seconds.</p>
    </div>
  );
}
