import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { IDatasetVersionSummary } from '../api/types';
import { CommandIDs } from '../shared/commands';
import { formatTime } from '../shared/format';
import { versionName } from './diffText';

/** One version of the diff: its name, fingerprint, role and a button to its lineage. */
export function DatasetDiffVersion({
  version,
  label,
  role,
  commands
}: {
  version: IDatasetVersionSummary;
  label: string;
  role: string;
  commands: CommandRegistry;
}): JSX.Element {
  return (
    <div className="jp-MlopsDatasetDiff-version">
      <div className="jp-MlopsDatasetDiff-versionHead">
        <span className="jp-MlopsDatasetDiff-versionLabel">{label}</span>
        <span className="jp-MlopsDatasetDiff-versionRole">{role}</span>
      </div>
      <div className="jp-MlopsDatasetDiff-versionName">
        {versionName(version)}
      </div>
      <div className="jp-MlopsDatasetDiff-versionMeta">
        <span title={version.fingerprint}>
          {version.fingerprint.slice(0, 12)}
        </span>
        {version.role && <span>{version.role}</span>}
        <span>{formatTime(version.created_at)}</span>
      </div>
      <button
        type="button"
        className="jp-Button jp-mod-styled jp-MlopsDatasetDiff-button"
        aria-label={`Lineage of ${versionName(version)}`}
        onClick={() =>
          void commands.execute(CommandIDs.openLineage, {
            kind: 'dataset_version',
            nodeId: String(version.id)
          })
        }
      >
        Lineage
      </button>
    </div>
  );
}
