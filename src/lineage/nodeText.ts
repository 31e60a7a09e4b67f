/**
 * How lineage nodes read as text: their kind's name, a one-line summary, and their fields
 * in the details pane.
 */
import { ILineageNode } from '../api/types';
import {
  formatBytes,
  formatCount,
  formatNumber,
  formatTime
} from '../shared/format';

/** The name of each kind of node, as a person says it. */
export const KIND_NAMES: Record<string, string> = {
  run: 'Run',
  dataset_version: 'Dataset version',
  artifact: 'Artifact',
  model_version: 'Model version',
  registry_event: 'Registry event',
  pipeline_version: 'Pipeline version',
  job: 'Job'
};

/** The name of a kind, also for kinds a newer server may add. */
export function kindName(kind: string): string {
  return KIND_NAMES[kind] ?? kind.replace(/_/g, ' ');
}

/** The second line of a node: what kind it is and its most telling field. */
export function nodeSummary(node: ILineageNode): string {
  switch (node.kind) {
    case 'run':
      return node.status ? `run \u00b7 ${node.status}` : 'run';
    case 'dataset_version': {
      const rows =
        typeof node.n_rows === 'number'
          ? `${formatCount(node.n_rows)} rows`
          : 'dataset';
      return node.role ? `${rows} \u00b7 ${node.role}` : rows;
    }
    case 'artifact': {
      const kind = node.artifact_kind ?? 'artifact';
      return typeof node.size === 'number'
        ? `${kind} \u00b7 ${formatBytes(node.size)}`
        : kind;
    }
    case 'model_version':
      return 'model version';
    case 'registry_event':
      return node.event ? String(node.event).replace(/_/g, ' ') : 'registry';
    case 'pipeline_version':
      return node.pipeline ? `pipeline ${node.pipeline}` : 'pipeline version';
    case 'job':
      return node.status ? `job \u00b7 ${node.status}` : 'job';
    default:
      return kindName(node.kind).toLowerCase();
  }
}

/** What a screen reader says of a node. */
export function nodeAriaLabel(
  node: ILineageNode,
  isRoot: boolean,
  summary: string = nodeSummary(node)
): string {
  const parts = [`${kindName(node.kind)} ${node.label}`, summary];
  if (node.stale) {
    parts.push('stale');
  }
  if (isRoot) {
    parts.push('the graph is drawn around it');
  }
  return parts.join(', ');
}

/** Field names shown under a label of their own; others are shown as written. */
const FIELD_LABELS: Record<string, string> = {
  id: 'Node id',
  run_id: 'Run id',
  status: 'Status',
  name: 'Name',
  experiment_id: 'Experiment id',
  notebook_path: 'Notebook',
  cell_id: 'Cell id',
  user: 'User',
  start_time: 'Started',
  end_time: 'Ended',
  version_id: 'Version id',
  dataset: 'Dataset',
  version: 'Version',
  fingerprint: 'Fingerprint',
  role: 'Role',
  n_rows: 'Rows',
  n_columns: 'Columns',
  parent_version_id: 'Parent version id',
  created_at: 'Created',
  digest: 'Digest',
  artifact_kind: 'Artifact kind',
  media_type: 'Media type',
  size: 'Size',
  model: 'Model',
  job_id: 'Job id',
  pipeline: 'Pipeline',
  pipeline_version_id: 'Pipeline version id',
  parameters: 'Parameters',
  attempt: 'Attempt',
  created_by: 'Created by',
  started_at: 'Started',
  ended_at: 'Ended',
  error: 'Error',
  event_id: 'Event id',
  event: 'Event',
  actor: 'Actor',
  details: 'Details'
};

/** Fields the details pane shows elsewhere (title, badge, reasons) or not at all. */
const SHOWN_ELSEWHERE = new Set(['label', 'kind', 'stale', 'stale_reasons']);

/** A field's value as text: times as local dates, sizes in bytes, nothing as a dash. */
export function fieldText(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '\u2014';
  }
  if (
    typeof value === 'number' &&
    (key.endsWith('_time') || key.endsWith('_at'))
  ) {
    return formatTime(value);
  }
  if (key === 'size' && typeof value === 'number') {
    return `${formatBytes(value)} (${formatCount(value)} bytes)`;
  }
  if (typeof value === 'number') {
    return key.endsWith('_id') || key === 'version'
      ? String(value)
      : formatNumber(value);
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/** A node's fields for the details pane, as label and text, in a readable order. */
export function nodeFields(
  node: ILineageNode
): { key: string; label: string; value: string }[] {
  const known = Object.keys(FIELD_LABELS).filter(key => key in node);
  const others = Object.keys(node)
    .filter(key => !(key in FIELD_LABELS) && !SHOWN_ELSEWHERE.has(key))
    .sort();
  return [...known, ...others]
    .filter(key => !SHOWN_ELSEWHERE.has(key))
    .map(key => ({
      key,
      label: FIELD_LABELS[key] ?? key.replace(/_/g, ' '),
      value: fieldText(key, node[key])
    }));
}
