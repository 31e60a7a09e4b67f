/**
 * The names of the main-area tabs: what a person calls the runs and datasets they show
 * (`train`, `breast-cancer v1 → v2`, `Lineage of train`), never their ids.
 */
import { IDatasetVersionSummary, ILineageNode } from '../api/types';

/** A tab's label and its tooltip. */
export interface ITitle {
  label: string;
  caption: string;
}

/** How many run names a compare tab lists before it says how many more. */
const LISTED = 2;

/** The tab of a run: its name. */
export function runTitle(name: string, runId: string): ITitle {
  return { label: name, caption: `Run ${name}\n${runId}` };
}

/**
 * The tab of runs compared: `train vs prepare`, `Compare train, prepare +3`, and
 * `Compare 3 runs of train` when they share their name.
 */
export function compareTitle(names: readonly string[]): ITitle {
  const distinct = [...new Set(names)];
  let label: string;
  if (distinct.length === 1) {
    label = `Compare ${names.length} runs of ${distinct[0]}`;
  } else if (names.length === 2) {
    label = `${names[0]} vs ${names[1]}`;
  } else {
    const more = distinct.length - LISTED;
    label = `Compare ${distinct.slice(0, LISTED).join(', ')}${more > 0 ? ` +${more}` : ''}`;
  }
  return {
    label,
    caption: `Compare ${names.length} runs: ${names.join(', ')}`
  };
}

/** A dataset version as a person names it: `breast-cancer v2`. */
export function versionName(version: {
  dataset: string;
  version: number;
}): string {
  return `${version.dataset} v${version.version}`;
}

/** A lineage node as a person names it: a run's name, `breast-cancer v2`, `churn v3`. */
export function nodeName(node: ILineageNode): string {
  if (node.kind === 'dataset_version' && node.dataset && node.version) {
    return versionName({ dataset: node.dataset, version: node.version });
  }
  if (node.kind === 'model_version' && node.model && node.version) {
    return `${node.model} v${node.version}`;
  }
  return String(node.label);
}

/** The tab of a lineage graph: `Lineage of <its node's name>`. */
export function lineageTitle(node: ILineageNode): ITitle {
  const name = nodeName(node);
  return { label: `Lineage of ${name}`, caption: `Lineage of ${name}` };
}

/**
 * The tab of a dataset diff: `breast-cancer v1 → v2`, or both names when the versions
 * belong to two datasets.
 */
export function datasetDiffTitle(
  a: Pick<IDatasetVersionSummary, 'dataset' | 'version'>,
  b: Pick<IDatasetVersionSummary, 'dataset' | 'version'>
): ITitle {
  const label =
    a.dataset === b.dataset
      ? `${a.dataset} v${a.version} \u2192 v${b.version}`
      : `${a.dataset} v${a.version} \u2192 ${b.dataset} v${b.version}`;
  return { label, caption: `Dataset diff: ${label}` };
}
