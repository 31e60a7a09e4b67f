/**
 * A pipeline's parameters as a form edits them: each value written as text (a tick for a
 * bool), read back as the type the schema names, with what to fix said inline before
 * anything is sent. The server checks again (`mlops_jlab.pipelines.parameters`); these
 * rules follow its command line's (`-p name=value`), so a value means the same in both.
 */
import { IParameterInfo } from '../api/types';

/** A value the form holds: text for every type, a tick for a bool. */
export type FieldValue = string | boolean;

/** A field read as its type: the value, or what is wrong with the text. */
export type Parsed =
  { ok: true; value: unknown } | { ok: false; error: string };

const INTEGER = /^[-+]?\d+$/;

function ok(value: unknown): Parsed {
  return { ok: true, value };
}

function wrong(error: string): Parsed {
  return { ok: false, error };
}

function json(text: string): Parsed {
  try {
    return ok(JSON.parse(text));
  } catch {
    return wrong('not JSON');
  }
}

/**
 * Python's literals where JSON writes them otherwise (`True`, `None`, single quotes), as
 * a notebook's parameters cell writes its defaults.
 */
function pythonic(text: string): string {
  return text
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\bNone\b/g, 'null')
    .replace(/'([^'"\\]*)'/g, '"$1"')
    .replace(/\(([^()]*)\)/g, '[$1]')
    .replace(/,\s*([\]}])/g, '$1');
}

/** JSON, else the same text with Python's spelling of literals made JSON's. */
function literal(text: string): Parsed {
  const direct = json(text);
  return direct.ok ? direct : json(pythonic(text));
}

/**
 * One parameter's text as the value of its type.
 *
 * @param type - the schema's type: int, float, bool, str, list, dict or any
 * @param input - the text (or the tick of a bool)
 */
export function parseValue(type: string, input: FieldValue): Parsed {
  if (typeof input === 'boolean') {
    return type === 'bool' || type === 'any'
      ? ok(input)
      : wrong(`takes a ${type}, not a tick`);
  }
  const text = input.trim();
  switch (type) {
    case 'str':
      return ok(input);
    case 'bool': {
      const word = text.toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(word)) {
        return ok(true);
      }
      if (['false', 'no', '0', 'off'].includes(word)) {
        return ok(false);
      }
      return wrong('takes true or false');
    }
    case 'int':
      return INTEGER.test(text)
        ? ok(Number(text))
        : wrong('takes a whole number, such as 3');
    case 'float': {
      const value = text === '' ? NaN : Number(text);
      return Number.isFinite(value)
        ? ok(value)
        : wrong('takes a number, such as 0.01 or 1e-3');
    }
    case 'list': {
      const parsed = literal(text);
      return parsed.ok && Array.isArray(parsed.value)
        ? parsed
        : wrong('takes a list, such as [1, 2, 3] or ["a", "b"]');
    }
    case 'dict': {
      const parsed = literal(text);
      return parsed.ok &&
        parsed.value !== null &&
        typeof parsed.value === 'object' &&
        !Array.isArray(parsed.value)
        ? parsed
        : wrong('takes a dict, such as {"depth": 3}');
    }
    default: {
      // any: a JSON value, or the text itself (a word)
      if (text === '') {
        return wrong('takes a value; write null for none');
      }
      const parsed = literal(text);
      return parsed.ok ? parsed : ok(input);
    }
  }
}

/** A value as the form writes it: text as is, others as JSON. */
export function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A parameter's field to start from: the value given (a job's, to run it again), else
 * the notebook's default (its text when the default is not a literal).
 */
export function initialValue(
  parameter: IParameterInfo,
  given?: Record<string, unknown>
): FieldValue {
  const has = given !== undefined && parameter.name in given;
  const value = has ? given[parameter.name] : parameter.default;
  if (parameter.type === 'bool') {
    return value === true;
  }
  if (!has && (value === null || value === undefined)) {
    return parameter.type === 'str' ? '' : parameter.default_text;
  }
  return valueText(value);
}

/** The form's fields: parameter name to value. */
export type FieldValues = Record<string, FieldValue>;

/** What the form means: the values to send, and what is wrong per parameter. */
export interface IFormResult {
  /** The parameters whose field differs from where it started, read as their types. */
  values: Record<string, unknown>;
  /** Parameter name to what is wrong with its field. */
  errors: Record<string, string>;
}

/**
 * The parameters to send: those whose field was changed from `initial`, read as their
 * types (papermill keeps the notebook's own value for the others). Every field is
 * checked, changed or not, so a bad value is seen before anything is sent.
 */
export function readForm(
  schema: IParameterInfo[],
  fields: FieldValues,
  initial: FieldValues
): IFormResult {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const parameter of schema) {
    const field = fields[parameter.name];
    if (field === undefined) {
      continue;
    }
    const parsed = parseValue(parameter.type, field);
    if (!parsed.ok) {
      errors[parameter.name] = parsed.error;
    } else if (field !== initial[parameter.name]) {
      values[parameter.name] = parsed.value;
    }
  }
  return { values, errors };
}

/** What a sweep's form means: the grid to send, and what is wrong per parameter. */
export interface ISweepResult {
  /** Parameter name to its values; parameters left blank are not swept. */
  grid: Record<string, unknown[]>;
  errors: Record<string, string>;
  /** How many jobs the grid makes: the product of its lists' lengths. */
  combinations: number;
}

/**
 * Split `a, b, [1, 2], "x, y"` on the commas outside brackets and quotes.
 */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote !== null) {
      if (char === '\\') {
        i++;
      } else if (char === quote) {
        quote = null;
      }
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if ('[{('.includes(char)) {
      depth++;
    } else if (']})'.includes(char)) {
      depth--;
    } else if (char === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items.map(item => item.trim()).filter(item => item !== '');
}

/** A quoted item of a list as its text; others as they are. */
function unquote(item: string): string {
  const quoted = /^(["'])(.*)\1$/.exec(item);
  return quoted ? quoted[2] : item;
}

/**
 * A sweep's grid from one comma-separated list of values per parameter, each value read
 * as its parameter's type.
 */
export function readSweep(
  schema: IParameterInfo[],
  lists: Record<string, string>
): ISweepResult {
  const grid: Record<string, unknown[]> = {};
  const errors: Record<string, string> = {};
  for (const parameter of schema) {
    const items = splitList(lists[parameter.name] ?? '');
    if (items.length === 0) {
      continue;
    }
    const values: unknown[] = [];
    for (const item of items) {
      const text = parameter.type === 'str' ? unquote(item) : item;
      const parsed = parseValue(parameter.type, text);
      if (!parsed.ok) {
        errors[parameter.name] = `${JSON.stringify(item)} ${parsed.error}`;
        break;
      }
      values.push(parsed.value);
    }
    grid[parameter.name] = values;
  }
  const lengths = Object.values(grid).map(values => values.length);
  const combinations =
    lengths.length === 0 ? 0 : lengths.reduce((a, b) => a * b, 1);
  return { grid, errors, combinations };
}
