/**
 * What an edit of a run sends: its tags written as `key=value` lines and read back into
 * the changes `PATCH runs/{id}` takes, and a note. The server checks the keys and values
 * themselves and says what is wrong with them.
 */
import { IUpdateRun } from '../api/types';

/** A run's tags as text to edit: one `key=value` line per tag, sorted by key. */
export function tagsText(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags)
    .sort()
    .map(key => `${key}=${tags[key]}`)
    .join('\n');
}

/** Tags read from text, or why the text cannot be read. */
export type ParsedTags =
  { tags: Record<string, string>; error: null } | { tags: null; error: string };

/**
 * The tags of `key=value` lines: blank lines are skipped, the key ends at the first `=`
 * and is trimmed, the value is the rest of the line, trimmed. A line without `=` or a key
 * written twice is an error naming the line.
 */
export function parseTags(text: string): ParsedTags {
  const tags: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') {
      continue;
    }
    const equals = line.indexOf('=');
    if (equals < 0) {
      return {
        tags: null,
        error: `Line ${i + 1} (${line.trim()}) has no "=": write each tag as key=value.`
      };
    }
    const key = line.slice(0, equals).trim();
    if (Object.prototype.hasOwnProperty.call(tags, key)) {
      return {
        tags: null,
        error: `Line ${i + 1} sets the tag ${key} again: give each key once.`
      };
    }
    tags[key] = line.slice(equals + 1).trim();
  }
  return { tags, error: null };
}

/**
 * The `tags` of a `PATCH runs/{id}` that turns `before` into `after`: new and changed
 * values, and null for each key removed. Empty when nothing changed.
 */
export function tagChanges(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>
): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(after)) {
    if (before[key] !== value) {
      changes[key] = value;
    }
  }
  for (const key of Object.keys(before)) {
    if (!Object.prototype.hasOwnProperty.call(after, key)) {
      changes[key] = null;
    }
  }
  return changes;
}

/** The update that writes a note: a blank one removes it. */
export function noteUpdate(text: string): IUpdateRun {
  return { note: text.trim() === '' ? null : text };
}
