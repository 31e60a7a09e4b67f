import React from 'react';

import { IRunSummary } from '../api/types';
import { RunBadges } from './RunDetailBadges';

/** Properties of {@link CompareRunHeads}. */
export interface ICompareRunHeadsProps {
  runs: IRunSummary[];
  /** The column head of each run (name and id start). */
  labels: string[];
  /** Open a run's detail view. */
  onOpenRun: (runId: string) => void;
}

/**
 * The column heads of a comparison table, one per run: its label as a button that opens
 * the run, with its status, stale and deleted badges.
 */
export function CompareRunHeads({
  runs,
  labels,
  onOpenRun
}: ICompareRunHeadsProps): JSX.Element {
  return (
    <>
      {runs.map((run, index) => (
        <th key={run.id} scope="col" className="jp-MlopsCompare-runHead">
          <button
            type="button"
            className="jp-MlopsCompare-runLink"
            title={`Open run ${run.id}`}
            onClick={() => onOpenRun(run.id)}
          >
            {labels[index] ?? run.name}
          </button>
          <RunBadges
            status={run.status}
            staleReasons={run.stale_reasons}
            deletedAt={run.deleted_at}
          />
        </th>
      ))}
    </>
  );
}
