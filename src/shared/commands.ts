import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { IMlopsClient } from '../api/token';
import { LineageKind } from '../api/types';

/**
 * The commands through which the panel and the views open one another. Their arguments
 * are plain JSON, so a restored layout reopens the same views.
 */
export const CommandIDs = {
  /** Show the side panel. */
  openPanel: 'mlops-jlab:open-panel',
  /** Args {@link IRunArgs}: the run detail view. */
  openRun: 'mlops-jlab:open-run',
  /** Args {@link ICompareArgs}: runs side by side. */
  compareRuns: 'mlops-jlab:compare-runs',
  /** Args {@link ILineageArgs}: the lineage graph around a node. */
  openLineage: 'mlops-jlab:open-lineage',
  /** Args {@link IDatasetDiffArgs}: version b of a dataset against version a. */
  diffDatasetVersions: 'mlops-jlab:diff-dataset-versions',
  /** Args {@link IOpenCellArgs}: open a notebook and scroll to a cell. */
  openCell: 'mlops-jlab:open-cell',
  /** Args {@link IShowDatasetVersionArgs}: a version's schema in the panel. */
  showDatasetVersion: 'mlops-jlab:show-dataset-version',

  /*
   * The runs table's context menu (and shortcuts on a focused row): args `{runId}`, or
   * the row the menu or the focus is on.
   */
  /** Open the run's detail. */
  openRunOfRow: 'mlops-jlab:open-run-of-row',
  /** Open the run's lineage. */
  lineageOfRow: 'mlops-jlab:lineage-of-row',
  /** Rename the run (a dialog). */
  renameRun: 'mlops-jlab:rename-run',
  /** Edit the run's tags (a dialog). */
  editRunTags: 'mlops-jlab:edit-run-tags',
  /** Write the run's note (a dialog). */
  editRunNote: 'mlops-jlab:edit-run-note',
  /** Delete the run, with Undo. */
  deleteRun: 'mlops-jlab:delete-run',
  /** Restore a deleted run. */
  restoreRun: 'mlops-jlab:restore-run',

  /* What the panel does, from the command palette. */
  /** Compare the runs ticked in the panel. */
  compareSelected: 'mlops-jlab:compare-selected',
  /** Ask for a run's id (or its start) and open the run. */
  openRunById: 'mlops-jlab:open-run-by-id',
  /** Ask for a run or a dataset (`name`, `name@v2`) and open its lineage. */
  openLineageOf: 'mlops-jlab:open-lineage-of',
  /** Args `{filter?}`: show the runs' filter box, or apply `filter`. */
  filterRuns: 'mlops-jlab:filter-runs',
  /** Show only the stale runs, or all again. */
  toggleStaleRuns: 'mlops-jlab:toggle-stale-runs',
  /** Also list deleted runs (to restore them), or not. */
  toggleDeletedRuns: 'mlops-jlab:toggle-deleted-runs'
} as const;

/** Arguments of {@link CommandIDs.openRun}. */
export interface IRunArgs extends ReadonlyPartialJSONObject {
  runId: string;
}

/** Arguments of {@link CommandIDs.compareRuns}. */
export interface ICompareArgs extends ReadonlyPartialJSONObject {
  runIds: string[];
}

/** Arguments of {@link CommandIDs.openLineage}. */
export interface ILineageArgs extends ReadonlyPartialJSONObject {
  kind: LineageKind;
  nodeId: string;
}

/** Arguments of {@link CommandIDs.diffDatasetVersions}. */
export interface IDatasetDiffArgs extends ReadonlyPartialJSONObject {
  a: number;
  b: number;
}

/** Arguments of {@link CommandIDs.openCell}. */
export interface IOpenCellArgs extends ReadonlyPartialJSONObject {
  path: string;
  cellId: string;
}

/** Arguments of {@link CommandIDs.showDatasetVersion}. */
export interface IShowDatasetVersionArgs extends ReadonlyPartialJSONObject {
  dataset: string;
  versionId: number;
}

/** What the panel needs of JupyterLab's command registry. */
export interface ICommandRunner {
  execute(id: string, args?: ReadonlyPartialJSONObject): Promise<unknown>;
  /**
   * Whether a command is registered (another plugin's, like the Jobs tab's); a runner
   * that cannot tell is taken to have only the extension's own.
   */
  hasCommand?(id: string): boolean;
}

/** What every view needs: the API client, the commands, JupyterLab's renderers. */
export interface IViewContext {
  client: IMlopsClient;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry | null;
}
