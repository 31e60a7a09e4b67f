import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { ILineageNode } from '../api/types';
import { CommandIDs } from '../shared/commands';
import { ErrorMessage } from '../shared/ErrorMessage';
import { splitNodeId } from './lineageLayout';
import { kindName, nodeFields } from './nodeText';

/** Properties of {@link LineageDetails}. */
export interface ILineageDetailsProps {
  /** The selected node, or null when none is. */
  node: ILineageNode | null;
  isRoot: boolean;
  commands: CommandRegistry;
  /** Fetch what the node came from (`up`) or what came of it (`down`). */
  onExpand: (direction: 'up' | 'down') => void;
  /** The direction being fetched, if any. */
  expanding: 'up' | 'down' | null;
  /** What the last expansion of this node added. */
  note: string | null;
  /** Why the last expansion failed. */
  error: string | null;
}

/**
 * The side pane of the lineage graph: the selected node's fields as text, why a stale run
 * is stale, and what can be done from it (open the run, diff a version with its parent,
 * draw the graph around it, expand it upstream or downstream).
 */
export function LineageDetails({
  node,
  isRoot,
  commands,
  onExpand,
  expanding,
  note,
  error
}: ILineageDetailsProps): JSX.Element {
  if (!node) {
    return (
      <aside
        className="jp-MlopsLineage-details jp-mod-empty"
        aria-label="Node details"
      >
        <p className="jp-MlopsPanel-hint">
          Select a node (click it, or Tab to it and press Enter) to see its
          details.
        </p>
      </aside>
    );
  }
  const reasons: string[] = Array.isArray(node.stale_reasons)
    ? node.stale_reasons
    : [];
  const runId: string | null =
    node.kind === 'run' || node.kind === 'model_version'
      ? (node.run_id ??
        (node.kind === 'run' ? splitNodeId(node.id).nodeId : null))
      : null;
  const parent: number | null =
    node.kind === 'dataset_version' &&
    typeof node.parent_version_id === 'number'
      ? node.parent_version_id
      : null;
  const version: number | null =
    typeof node.version_id === 'number' ? node.version_id : null;
  return (
    <aside className="jp-MlopsLineage-details" aria-label="Node details">
      <header className="jp-MlopsLineage-detailsHeader">
        <span className="jp-MlopsLineage-detailsKind" data-kind={node.kind}>
          {kindName(node.kind)}
          {isRoot ? ' \u00b7 graph drawn around it' : ''}
        </span>
        <h3 className="jp-MlopsLineage-detailsTitle">{node.label}</h3>
        {node.stale === true && (
          <span className="jp-MlopsLineage-staleTag">stale</span>
        )}
      </header>
      {node.stale === true && (
        <div className="jp-MlopsLineage-staleReasons">
          <strong>Stale because</strong>
          {reasons.length > 0 ? (
            <ul>
              {reasons.map((reason, i) => (
                <li key={i}>{reason}</li>
              ))}
            </ul>
          ) : (
            <p>its inputs or code changed since it ran.</p>
          )}
        </div>
      )}
      <div className="jp-MlopsLineage-actions">
        {runId && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-accept"
            onClick={() => void commands.execute(CommandIDs.openRun, { runId })}
          >
            Open run
          </button>
        )}
        {parent !== null && version !== null && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-MlopsLineage-button"
            onClick={() =>
              void commands.execute(CommandIDs.diffDatasetVersions, {
                a: parent,
                b: version
              })
            }
          >
            Diff with parent
          </button>
        )}
        {!isRoot && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-MlopsLineage-button"
            onClick={() => {
              const { kind, nodeId } = splitNodeId(node.id);
              void commands.execute(CommandIDs.openLineage, { kind, nodeId });
            }}
          >
            Center graph here
          </button>
        )}
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-MlopsLineage-button"
          disabled={expanding !== null}
          onClick={() => onExpand('up')}
        >
          Expand upstream
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-MlopsLineage-button"
          disabled={expanding !== null}
          onClick={() => onExpand('down')}
        >
          Expand downstream
        </button>
      </div>
      {expanding !== null && (
        <p className="jp-MlopsLineage-note" role="status">
          Loading {expanding === 'up' ? 'upstream' : 'downstream'} ...
        </p>
      )}
      {expanding === null && note !== null && (
        <p className="jp-MlopsLineage-note" role="status">
          {note}
        </p>
      )}
      <ErrorMessage message={error} />
      <dl className="jp-MlopsLineage-fields">
        {nodeFields(node).map(field => (
          <React.Fragment key={field.key}>
            <dt>{field.label}</dt>
            <dd>{field.value}</dd>
          </React.Fragment>
        ))}
      </dl>
    </aside>
  );
}
