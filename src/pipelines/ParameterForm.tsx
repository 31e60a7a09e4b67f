import React from 'react';

import { IParameterInfo } from '../api/types';
import { FieldValues } from './parameters';

/** Properties of {@link ParameterForm}. */
export interface IParameterFormProps {
  /** The pipeline version's parameters, in the order the notebook assigns them. */
  schema: IParameterInfo[];
  /** The fields: a value per parameter (sweep: a comma-separated list of values). */
  fields: FieldValues;
  /** What is wrong per parameter, shown under its field. */
  errors: Record<string, string>;
  onChange(name: string, value: string | boolean): void;
  /** A list of values per parameter (a sweep) instead of one value. */
  sweep?: boolean;
  /** Prefixes the fields' ids, so two forms on a page do not clash. */
  idPrefix: string;
}

/** What a field takes, as its placeholder says. */
function placeholder(type: string, sweep: boolean): string {
  if (sweep) {
    return type === 'str' ? 'a, b, c' : 'values, comma-separated';
  }
  return (
    {
      int: 'a whole number',
      float: 'a number',
      str: 'text',
      list: '[1, 2, 3]',
      dict: '{"key": 1}'
    }[type] ?? 'a value (JSON, or text)'
  );
}

/**
 * A typed form of a pipeline's parameters: a tick for a bool, a field for each other
 * type, the parameter's type and help beside it, and what is wrong with a value under
 * its field before anything is sent. For a sweep, each field takes a list of values.
 */
export function ParameterForm({
  schema,
  fields,
  errors,
  onChange,
  sweep = false,
  idPrefix
}: IParameterFormProps): JSX.Element {
  if (schema.length === 0) {
    return (
      <p className="jp-MlopsJobs-hint">
        This notebook has no parameters: tag a cell <code>parameters</code> to
        give it some.
      </p>
    );
  }
  return (
    <div className="jp-MlopsParams" role="group" aria-label="Parameters">
      {schema.map(parameter => {
        const id = `${idPrefix}-${parameter.name}`;
        const error = errors[parameter.name];
        const value = fields[parameter.name];
        const describedBy = [
          parameter.help ? `${id}-help` : '',
          error ? `${id}-error` : ''
        ]
          .filter(Boolean)
          .join(' ');
        const isTick = parameter.type === 'bool' && !sweep;
        return (
          <div className="jp-MlopsParams-row" key={parameter.name}>
            <label className="jp-MlopsParams-label" htmlFor={id}>
              <span className="jp-MlopsParams-name">{parameter.name}</span>
              <span className="jp-MlopsParams-type">{parameter.type}</span>
            </label>
            {isTick ? (
              <input
                id={id}
                type="checkbox"
                className="jp-MlopsParams-tick"
                checked={value === true}
                aria-describedby={describedBy || undefined}
                onChange={event =>
                  onChange(parameter.name, event.target.checked)
                }
              />
            ) : (
              <input
                id={id}
                type="text"
                className="jp-mod-styled jp-MlopsParams-field"
                value={typeof value === 'string' ? value : ''}
                placeholder={placeholder(parameter.type, sweep)}
                spellCheck={false}
                aria-invalid={error !== undefined}
                aria-describedby={describedBy || undefined}
                onChange={event => onChange(parameter.name, event.target.value)}
              />
            )}
            {parameter.help && (
              <span className="jp-MlopsParams-help" id={`${id}-help`}>
                {parameter.help}
              </span>
            )}
            {error && (
              <span
                className="jp-MlopsParams-error"
                id={`${id}-error`}
                role="alert"
              >
                {parameter.name} {error}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}
