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
  openCell: 'mlops-jlab:open-cell'
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

/** What the panel needs of JupyterLab's command registry. */
export interface ICommandRunner {
  execute(id: string, args?: ReadonlyPartialJSONObject): Promise<unknown>;
}

/** What every view needs: the API client, the commands, JupyterLab's renderers. */
export interface IViewContext {
  client: IMlopsClient;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry | null;
}
