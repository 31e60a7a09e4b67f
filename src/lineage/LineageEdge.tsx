import React, { memo } from 'react';

import { edgePath, IPlacedEdge } from './lineageLayout';

/** Properties of {@link LineageEdge}. */
export interface ILineageEdgeProps {
  edge: IPlacedEdge;
  /** Whether it touches the selected node. */
  highlighted: boolean;
  /** The ids of the arrowhead markers, plain and highlighted. */
  markers: { plain: string; highlighted: string };
}

/**
 * One edge of the lineage graph, pointing the way data flows; `derived` edges (a version
 * made from another) are dashed, `pipeline` and `job` edges (a pipeline version ran as a
 * job, a job's tracked cell became a run) dotted. Memoised like the nodes.
 */
export const LineageEdge = memo(
  ({ edge, highlighted, markers }: ILineageEdgeProps): JSX.Element => {
    return (
      <path
        className={
          'jp-MlopsLineage-edge' + (highlighted ? ' jp-mod-highlighted' : '')
        }
        data-kind={edge.kind}
        data-source={edge.source}
        data-target={edge.target}
        d={edgePath(edge.points)}
        markerEnd={`url(#${highlighted ? markers.highlighted : markers.plain})`}
      />
    );
  }
);
