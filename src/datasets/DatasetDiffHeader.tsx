import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { IDatasetDiff } from '../api/types';
import { formatCountChange } from '../shared/format';
import { DatasetDiffVersion } from './DatasetDiffVersion';
import { valueText, versionName } from './diffText';

/** Properties of {@link DatasetDiffHeader}. */
export interface IDatasetDiffHeaderProps {
  diff: IDatasetDiff;
  labels: { a: string; b: string };
  commands: CommandRegistry;
}

/**
 * The diff's title (`dataset vA → vB`), the two versions with a Lineage button each, and
 * how the row and column counts changed.
 */
export function DatasetDiffHeader({
  diff,
  labels,
  commands
}: IDatasetDiffHeaderProps): JSX.Element {
  const { a, b } = diff;
  const title =
    a.dataset === b.dataset
      ? `${a.dataset} v${a.version} \u2192 v${b.version}`
      : `${versionName(a)} \u2192 ${versionName(b)}`;
  const counts = [
    { name: 'Rows', ...diff.rows },
    { name: 'Columns', ...diff.n_columns }
  ];
  return (
    <header className="jp-MlopsDatasetDiff-header">
      <h2 className="jp-MlopsDatasetDiff-title">{title}</h2>
      <div className="jp-MlopsDatasetDiff-versions">
        <DatasetDiffVersion
          version={a}
          label={labels.a}
          role="reference"
          commands={commands}
        />
        <span className="jp-MlopsDatasetDiff-arrow" aria-hidden="true">
          {'\u2192'}
        </span>
        <DatasetDiffVersion
          version={b}
          label={labels.b}
          role="current"
          commands={commands}
        />
      </div>
      <dl className="jp-MlopsDatasetDiff-counts">
        {counts.map(count => (
          <div key={count.name} className="jp-MlopsDatasetDiff-count">
            <dt>{count.name}</dt>
            <dd>
              {valueText(count.a)} {'\u2192'} {valueText(count.b)}
              {count.change !== null && (
                <span
                  className={
                    'jp-MlopsDatasetDiff-delta' +
                    (count.change !== 0 ? ' jp-mod-changed' : '')
                  }
                >
                  {' '}
                  ({formatCountChange(count.a, count.b, count.change)})
                </span>
              )}
            </dd>
          </div>
        ))}
      </dl>
    </header>
  );
}
