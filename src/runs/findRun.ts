/**
 * What a person types for a run or a dataset version, as the notebook's magics read it
 * (`%compare 3f9a1c ...`, `%lineage breast-cancer@v2`), found in the store: a run by its
 * id or the id's first 6 or more characters, a dataset version by `name@vN` or a
 * dataset's name (its latest version).
 */
import {
  IDatasetVersionSummary,
  IListRuns,
  IListRunsQuery,
  LineageKind
} from '../api/types';

/** What the lookups ask of the API client. */
export interface IFindClient {
  listRuns(query: IListRunsQuery): Promise<IListRuns>;
  listDatasetVersions(name: string): Promise<IDatasetVersionSummary[]>;
}

/** The fewest characters of an id that name a run, as in the magics. */
export const MIN_PREFIX = 6;

const HEX = /^[0-9a-f]+$/;

/** Whether a text can be a run's id or the start of one. */
export function looksLikeRunId(text: string): boolean {
  const id = text.trim().toLowerCase();
  return id.length >= MIN_PREFIX && id.length <= 32 && HEX.test(id);
}

/**
 * The full id of the one run (deleted ones too) whose id is or starts with `text`.
 * Rejects with a sentence saying what to type when there is none, or several.
 */
export async function findRunId(
  client: Pick<IFindClient, 'listRuns'>,
  text: string
): Promise<string> {
  const id = text.trim().toLowerCase();
  if (!looksLikeRunId(id)) {
    throw new Error(
      `"${text.trim()}" is not a run id: a run id is 32 hexadecimal characters, and its first ${MIN_PREFIX} or more will do.`
    );
  }
  const page = await client.listRuns({
    filter: id.length === 32 ? `id = '${id}'` : `id LIKE '${id}%'`,
    page_size: 2,
    include_deleted: true,
    params: '',
    metrics: '',
    tags: ''
  });
  if (page.runs.length === 0) {
    throw new Error(`No run's id starts with ${id}.`);
  }
  if (page.runs.length > 1) {
    throw new Error(
      `${id} starts the ids of several runs: give more of the id.`
    );
  }
  return page.runs[0].id;
}

/** A node to draw the lineage around. */
export interface ILineageTarget {
  kind: LineageKind;
  nodeId: string;
}

/**
 * The dataset version `name@vN` names, or a dataset's latest version. Rejects with the
 * server's message for an unknown dataset, and names the versions for an unknown one.
 */
export async function findDatasetVersion(
  client: Pick<IFindClient, 'listDatasetVersions'>,
  text: string
): Promise<IDatasetVersionSummary> {
  const written = text.trim();
  const match = /^(.+)@v(\d+)$/.exec(written);
  const name = match ? match[1] : written;
  const versions = await client.listDatasetVersions(name);
  if (versions.length === 0) {
    throw new Error(`${name} has no versions.`);
  }
  if (!match) {
    return versions[versions.length - 1];
  }
  const number = Number(match[2]);
  const found = versions.find(version => version.version === number);
  if (!found) {
    throw new Error(
      `${name} has versions v1 to v${versions[versions.length - 1].version}, not v${number}.`
    );
  }
  return found;
}

/**
 * The node a text names: a run by its id (or the id's start), else a dataset version by
 * `name@vN` or a dataset's name. Rejects with what was looked for when nothing matches.
 */
export async function findLineageTarget(
  client: IFindClient,
  text: string
): Promise<ILineageTarget> {
  const written = text.trim();
  if (!written) {
    throw new Error(
      "Type a run's id (its first 6 characters will do), a dataset's name, or name@v2."
    );
  }
  let runMiss: string | null = null;
  if (looksLikeRunId(written)) {
    try {
      return { kind: 'run', nodeId: await findRunId(client, written) };
    } catch (reason) {
      runMiss = (reason as Error).message;
    }
  }
  try {
    const version = await findDatasetVersion(client, written);
    return { kind: 'dataset_version', nodeId: String(version.id) };
  } catch (reason) {
    const datasetMiss = (reason as Error).message;
    throw new Error(runMiss ? `${runMiss} ${datasetMiss}` : datasetMiss);
  }
}
