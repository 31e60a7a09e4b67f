import React from 'react';

import { ICiReport } from '../api/types';
import { formatCount, formatNumber } from '../shared/format';

/** Properties of {@link CiReport}. */
export interface ICiReportProps {
  report: ICiReport;
}

/** An outcome as a badge: pass, fail or unknown. */
function Outcome({
  label,
  value
}: {
  label: string;
  value: string;
}): JSX.Element {
  return (
    <span
      className={`jp-MlopsModels-outcome jp-mod-${value}`}
      data-outcome={value}
    >
      {label} {value}
    </span>
  );
}

/**
 * An ease.ml/ci check's report: the condition and its settings, the outcome and the
 * decision the mode made of it, the examples used against those needed, per clause the
 * estimate with its interval and the examples it needs, and what is left of the test set's budget. When a model's
 * predict failed, its error.
 */
export function CiReport({ report }: ICiReportProps): JSX.Element {
  const { settings, budget } = report;
  const setting = [
    settings.reliability !== undefined
      ? `reliability ${formatNumber(settings.reliability)}`
      : null,
    settings.mode ?? null,
    settings.adaptivity ? `${settings.adaptivity} adaptivity` : null
  ].filter(Boolean);
  return (
    <div className="jp-MlopsModels-report" aria-label="Check report">
      <div className="jp-MlopsModels-reportHead">
        <code className="jp-MlopsModels-condition">{report.condition}</code>
        <Outcome label="outcome" value={report.outcome} />
        <Outcome label="decision" value={report.decision} />
      </div>
      {setting.length > 0 && (
        <div className="jp-MlopsModels-reportLine">{setting.join(', ')}</div>
      )}
      <div className="jp-MlopsModels-reportLine">
        Examples: {formatCount(report.examples_used)} used,{' '}
        {formatCount(report.examples_needed)} needed
      </div>
      {report.error !== null && (
        <div className="jp-MlopsPanel-error" role="alert">
          {report.failed_model
            ? `The ${report.failed_model} model's predict failed: `
            : 'The check failed: '}
          {report.error}
        </div>
      )}
      {report.clauses.length > 0 && (
        <ul className="jp-MlopsModels-clauses" aria-label="Clauses">
          {report.clauses.map((clause, index) => (
            <li key={index} data-clause={clause.text}>
              <div className="jp-MlopsModels-reportHead">
                <code>{clause.text}</code>
                <Outcome label="clause" value={clause.outcome} />
              </div>
              <div className="jp-MlopsModels-reportLine">
                estimate {formatNumber(clause.estimate)} in [
                {formatNumber(clause.low)}, {formatNumber(clause.high)}], needs{' '}
                {formatCount(clause.examples_needed)} examples ({clause.bound})
              </div>
            </li>
          ))}
        </ul>
      )}
      {Object.keys(report.estimates).length > 0 && (
        <div className="jp-MlopsModels-reportLine">
          Estimates:{' '}
          {Object.entries(report.estimates)
            .map(([name, value]) => `${name} = ${formatNumber(value)}`)
            .join(', ')}
        </div>
      )}
      {budget && (
        <div
          className={`jp-MlopsModels-reportLine${budget.exhausted ? ' jp-mod-warn' : ''}`}
        >
          Test-set budget: {budget.left} of {budget.steps} checks left
          {budget.exhausted ? ' (used up: register a fresh test set)' : ''}
        </div>
      )}
    </div>
  );
}
