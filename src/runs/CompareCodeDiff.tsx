import React from 'react';

import { ICodeDiff } from '../api/types';

/** Properties of {@link CompareCodeDiff}. */
export interface ICompareCodeDiffProps {
  /** One diff per run after the first, against the first. */
  diffs: ICodeDiff[];
  /** The labels of all compared runs, the first run's first. */
  labels: string[];
  /** Run ids in the order of `labels`. */
  runIds: string[];
}

/** The class of a unified diff line: file header, hunk header, added, removed or context. */
export function diffLineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) {
    return 'jp-mod-file';
  }
  if (line.startsWith('@@')) {
    return 'jp-mod-hunk';
  }
  if (line.startsWith('+')) {
    return 'jp-mod-added';
  }
  if (line.startsWith('-')) {
    return 'jp-mod-removed';
  }
  return 'jp-mod-context';
}

/**
 * Each run's code against the first run's, as a unified diff in monospace with added and
 * removed lines coloured; "Same code" when nothing changed. The code is rendered as text.
 */
export function CompareCodeDiff({
  diffs,
  labels,
  runIds
}: ICompareCodeDiffProps): JSX.Element {
  return (
    <section className="jp-MlopsCompare-codeDiff" aria-label="Code diff">
      {diffs.map(diff => {
        const index = runIds.indexOf(diff.run_id);
        const label = labels[index] ?? diff.run_id;
        return (
          <div
            key={diff.run_id}
            className="jp-MlopsCompare-diff"
            data-run-id={diff.run_id}
          >
            <h4 className="jp-MlopsCompare-diffTitle">
              {label} <span className="jp-MlopsCompare-against">against</span>{' '}
              {labels[0]}
            </h4>
            {diff.same || diff.diff === '' ? (
              <p className="jp-MlopsCompare-same">Same code</p>
            ) : diff.diff === null ? (
              <p className="jp-MlopsCompare-same">
                The code is too long to diff.
              </p>
            ) : (
              <div className="jp-MlopsCompare-diffLines">
                {diff.diff.split('\n').map((line, n) => (
                  <div
                    key={n}
                    className={`jp-MlopsCompare-diffLine ${diffLineClass(line)}`}
                  >
                    {line === '' ? ' ' : line}
                  </div>
                ))}
              </div>
            )}
          </div>
        );
      })}
    </section>
  );
}
