import React from 'react';

import { IDatasetDiff } from '../api/types';

/** Properties of {@link DatasetDiffSchema}. */
export interface IDatasetDiffSchemaProps {
  changes: IDatasetDiff['schema_changes'];
}

/** The columns added, removed and whose type changed from version a to version b. */
export function DatasetDiffSchema({
  changes
}: IDatasetDiffSchemaProps): JSX.Element {
  const added = changes.added ?? [];
  const removed = changes.removed ?? [];
  const retyped = changes.type_changed ?? [];
  const none = added.length + removed.length + retyped.length === 0;
  return (
    <section className="jp-MlopsDatasetDiff-schema" aria-label="Schema changes">
      <h3 className="jp-MlopsDatasetDiff-sectionTitle">Schema changes</h3>
      {none ? (
        <p className="jp-MlopsDatasetDiff-none">
          No column was added, removed or changed type.
        </p>
      ) : (
        <dl className="jp-MlopsDatasetDiff-schemaList">
          {added.length > 0 && (
            <div data-change="added">
              <dt>Added</dt>
              <dd>
                {added.map(name => (
                  <code
                    key={name}
                    className="jp-MlopsDatasetDiff-chip jp-mod-added"
                  >
                    {name}
                  </code>
                ))}
              </dd>
            </div>
          )}
          {removed.length > 0 && (
            <div data-change="removed">
              <dt>Removed</dt>
              <dd>
                {removed.map(name => (
                  <code
                    key={name}
                    className="jp-MlopsDatasetDiff-chip jp-mod-removed"
                  >
                    {name}
                  </code>
                ))}
              </dd>
            </div>
          )}
          {retyped.length > 0 && (
            <div data-change="type_changed">
              <dt>Type changed</dt>
              <dd>
                {retyped.map(change => (
                  <span
                    key={change.name}
                    className="jp-MlopsDatasetDiff-retyped"
                  >
                    <code className="jp-MlopsDatasetDiff-chip">
                      {change.name}
                    </code>{' '}
                    {change.from} {'\u2192'} {change.to}
                  </span>
                ))}
              </dd>
            </div>
          )}
        </dl>
      )}
    </section>
  );
}
