import { IHistoryEvent } from '../api/types';

/** A history event's details, read field by field (the document leaves them open). */
type Details = Record<string, unknown>;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value ? value : null;

const versionText = (value: unknown): string | null =>
  typeof value === 'number' ? `v${value}` : null;

const requestText = (details: Details): string =>
  typeof details.request_id === 'number'
    ? `request #${details.request_id}`
    : 'a request';

const recommendationText = (details: Details): string =>
  `recommendation #${typeof details.recommendation_id === 'number' ? details.recommendation_id : '?'} (${
    text(details.action) ?? 'retrain or keep'
  })`;

/**
 * What a model's history event says, in a line: `moved champion to v2 (was v1)`.
 * Unknown kinds read as their name, so a newer server's events still show.
 */
export function describeEvent(event: IHistoryEvent): string {
  const details = (event.details ?? {}) as Details;
  const version = versionText(event.version) ?? '';
  switch (event.kind) {
    case 'registered':
      return `registered ${version}`;
    case 'alias_set': {
      const previous = versionText(details.previous);
      const target = versionText(details.version) ?? version;
      const by =
        typeof details.request_id === 'number'
          ? ` by request #${details.request_id}`
          : '';
      return `moved ${text(details.alias) ?? 'an alias'} to ${target}${
        previous ? ` (was ${previous})` : ''
      }${by}`;
    }
    case 'alias_removed':
      return `removed ${text(details.alias) ?? 'an alias'}${
        versionText(details.version)
          ? ` (was ${versionText(details.version)})`
          : ''
      }`;
    case 'request_created': {
      const status = text(details.status);
      const outcome = text(details.outcome);
      return `asked to move ${text(details.to) ?? 'an alias'} to ${version} (${requestText(
        details
      )}${outcome ? `, check ${outcome}` : ''}${
        status && status !== 'pending' ? `, ${status}` : ''
      })`;
    }
    case 'request_approved':
      return `approved ${requestText(details)}: ${text(details.to) ?? 'its alias'} to ${version}`;
    case 'request_rejected':
      return `rejected ${requestText(details)}: ${text(details.to) ?? 'its alias'} to ${version}`;
    case 'recommendation_made': {
      const columns = Array.isArray(details.drifted_columns)
        ? details.drifted_columns.filter(
            (name): name is string => typeof name === 'string'
          )
        : [];
      const data = text(details.dataset);
      return `${recommendationText(details)} for ${version}${
        data ? ` on ${data}` : ''
      }${columns.length > 0 ? `, drifted: ${columns.join(', ')}` : ''}`;
    }
    case 'recommendation_accepted': {
      const outcome = text(details.outcome);
      return `accepted ${recommendationText(details)} for ${version}${
        outcome ? `: ${outcome}` : ''
      }`;
    }
    case 'recommendation_dismissed':
      return `dismissed ${recommendationText(details)} for ${version}`;
    default:
      return `${event.kind.replace(/_/g, ' ')}${version ? ` ${version}` : ''}`;
  }
}

/** The comment or reason a person gave with an event, if any. */
export function eventComment(event: IHistoryEvent): string | null {
  const details = (event.details ?? {}) as Details;
  return text(details.comment) ?? text(details.reason);
}
