import React from 'react';

import { nodeShapePath } from './lineageLayout';
import { KIND_NAMES } from './nodeText';

const KINDS = [
  'run',
  'dataset_version',
  'artifact',
  'model_version',
  'registry_event',
  'pipeline_version',
  'job'
];

/**
 * The key of the lineage graph: each kind's outline, stale runs, derived edges and the
 * edges from a pipeline version through its jobs to their runs.
 */
export function LineageLegend(): JSX.Element {
  return (
    <ul className="jp-MlopsLineage-legend" aria-label="Legend">
      {KINDS.map(kind => (
        <li key={kind}>
          <svg width={30} height={18} aria-hidden="true">
            <g className="jp-MlopsLineage-legendShape" data-legend-kind={kind}>
              <path
                className="jp-MlopsLineage-shape"
                transform="translate(1,1)"
                d={nodeShapePath(kind, 28, 16)}
              />
            </g>
          </svg>
          {KIND_NAMES[kind]}
        </li>
      ))}
      <li>
        <svg width={30} height={18} aria-hidden="true">
          <g
            className="jp-MlopsLineage-legendShape jp-mod-stale"
            data-legend-kind="run"
          >
            <path
              className="jp-MlopsLineage-shape"
              transform="translate(1,1)"
              d={nodeShapePath('run', 28, 16)}
            />
          </g>
        </svg>
        Stale run
      </li>
      <li>
        <svg width={30} height={18} aria-hidden="true">
          <path className="jp-MlopsLineage-legendEdge" d="M2,9H28" />
        </svg>
        Read or wrote
      </li>
      <li>
        <svg width={30} height={18} aria-hidden="true">
          <path
            className="jp-MlopsLineage-legendEdge jp-mod-derived"
            d="M2,9H28"
          />
        </svg>
        Derived from
      </li>
      <li>
        <svg width={30} height={18} aria-hidden="true">
          <path
            className="jp-MlopsLineage-legendEdge jp-mod-pipeline"
            d="M2,9H28"
          />
        </svg>
        Ran as a job
      </li>
    </ul>
  );
}
