import React, { memo } from 'react';

import {
  IPlacedNode,
  nodeShapePath,
  textBaselines,
  truncate
} from './lineageLayout';
import { nodeAriaLabel, nodeSummary } from './nodeText';

/** Characters of a label that fit a node's box at the default zoom. */
const LABEL_CHARS = 24;
const SUMMARY_CHARS = 28;

/** Properties of {@link LineageNode}. */
export interface ILineageNodeProps {
  placed: IPlacedNode;
  isRoot: boolean;
  selected: boolean;
  /** Whether the text lines are drawn (not when zoomed out too far to read them). */
  labelled: boolean;
  /** Called with the node's id on click, Enter or Space; must keep its identity. */
  onSelect: (id: string) => void;
}

/**
 * One node of the lineage graph: its kind's outline, its label (cut to fit, whole in a
 * tooltip) and a badge when it is a stale run. Memoised: pans, zooms and selections
 * elsewhere do not render it again.
 */
export const LineageNode = memo(
  ({
    placed,
    isRoot,
    selected,
    labelled,
    onSelect
  }: ILineageNodeProps): JSX.Element => {
    const { node, width, height } = placed;
    const stale = node.stale === true;
    const baselines = textBaselines(node.kind);
    const classes = ['jp-MlopsLineage-node'];
    if (isRoot) {
      classes.push('jp-mod-root');
    }
    if (selected) {
      classes.push('jp-mod-selected');
    }
    if (stale) {
      classes.push('jp-mod-stale');
    }
    const outline = nodeShapePath(node.kind, width, height);
    const summary = nodeSummary(node);
    return (
      <g
        className={classes.join(' ')}
        transform={`translate(${placed.x - width / 2},${placed.y - height / 2})`}
        data-node-id={node.id}
        data-kind={node.kind}
        data-stale={stale ? 'true' : undefined}
        tabIndex={0}
        role="button"
        aria-label={nodeAriaLabel(node, isRoot, summary)}
        aria-pressed={selected}
        onClick={() => onSelect(node.id)}
        onKeyDown={event => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            onSelect(node.id);
          }
        }}
      >
        <title>{`${node.label}\n${summary}${stale ? '\nstale' : ''}`}</title>
        {(isRoot || selected) && (
          <path className="jp-MlopsLineage-halo" d={outline} />
        )}
        <path className="jp-MlopsLineage-shape" d={outline} />
        {labelled && (
          <>
            <text
              className="jp-MlopsLineage-text jp-MlopsLineage-label"
              x={14}
              y={baselines.label}
            >
              {truncate(node.label, LABEL_CHARS)}
            </text>
            <text
              className="jp-MlopsLineage-text jp-MlopsLineage-summary"
              x={14}
              y={baselines.meta}
            >
              {truncate(summary, SUMMARY_CHARS)}
            </text>
          </>
        )}
        {stale && (
          <g
            className="jp-MlopsLineage-staleBadge"
            transform={`translate(${width - 4},4)`}
          >
            <circle r={8} />
            <text textAnchor="middle" y={4}>
              !
            </text>
          </g>
        )}
      </g>
    );
  }
);
