import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { MlopsClient } from './api';
import { LineageKind } from './tokens';

/**
 * The commands through which the panel and the views open one another. Their arguments
 * are plain JSON, so a restored layout reopens the same views.
 */
export namespace CommandIDs {
  /** Show the side panel. */
  export const openPanel = 'mlops-jlab:open-panel';
  /** Args {@link IRunArgs}: the run detail view. */
  export const openRun = 'mlops-jlab:open-run';
  /** Args {@link ICompareArgs}: runs side by side. */
  export const compareRuns = 'mlops-jlab:compare-runs';
  /** Args {@link ILineageArgs}: the lineage graph around a node. */
  export const openLineage = 'mlops-jlab:open-lineage';
  /** Args {@link IDatasetDiffArgs}: version b of a dataset against version a. */
  export const diffDatasetVersions = 'mlops-jlab:diff-dataset-versions';
  /** Args {@link IOpenCellArgs}: open a notebook and scroll to a cell. */
  export const openCell = 'mlops-jlab:open-cell';
}

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

/** What every view needs: the API client, the commands, JupyterLab's renderers. */
export interface IViewContext {
  client: MlopsClient;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry | null;
}
