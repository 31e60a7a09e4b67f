import { Dialog, ReactWidget } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import React, { useEffect, useState } from 'react';

import {
  ICronDescription,
  IJob,
  IPipelineVersion,
  ISchedule
} from '../api/types';
import { ErrorMessage, messageOf } from '../shared/ErrorMessage';
import { formatTime } from '../shared/format';
import { ParameterForm } from './ParameterForm';
import { FieldValues, initialValue, readForm, readSweep } from './parameters';

/** What the dialog needs of the API client. */
export interface IPromoteClient {
  runPipeline(
    name: string,
    request: { parameters?: Record<string, unknown>; version?: number }
  ): Promise<IJob>;
  createSweep(
    name: string,
    request: {
      grid: Record<string, unknown[]>;
      max_parallel?: number;
      version?: number;
    }
  ): Promise<{ jobs: IJob[] }>;
  createSchedule(request: {
    pipeline: string;
    cron: string;
    timezone?: string;
    parameters?: Record<string, unknown>;
  }): Promise<ISchedule>;
  describeCron(cron: string, timezone?: string): Promise<ICronDescription>;
}

/** The dialog's modes. */
type Mode = 'run' | 'sweep' | 'schedule';

const MODES: [Mode, string][] = [
  ['run', 'Run now'],
  ['sweep', 'Sweep'],
  ['schedule', 'Schedule']
];

/** The browser's timezone, the schedule's default. */
function localTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** What the server says a cron means: its words and next fires, or why it is wrong. */
interface ICronState {
  description: ICronDescription | null;
  error: string | null;
}

/** Wait after the last key before asking the server what the cron means, in ms. */
const CRON_DEBOUNCE = 250;

/**
 * The server's reading of `cron` in `timezone` as it is typed (asked a moment after the
 * last key, the answers to older texts dropped); nothing while `cron` is null.
 */
function useCronDescription(
  client: IPromoteClient,
  cron: string | null,
  timezone: string
): ICronState {
  const [state, setState] = useState<ICronState>({
    description: null,
    error: null
  });
  useEffect(() => {
    if (cron === null) {
      return;
    }
    let current = true;
    setState({ description: null, error: null });
    const timer = setTimeout(() => {
      client.describeCron(cron.trim(), timezone.trim() || undefined).then(
        description => current && setState({ description, error: null }),
        reason =>
          current && setState({ description: null, error: messageOf(reason) })
      );
    }, CRON_DEBOUNCE);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, cron, timezone]);
  return state;
}

/** Properties of {@link CronFields}. */
interface ICronFieldsProps {
  cron: string;
  timezone: string;
  state: ICronState;
  onCron(cron: string): void;
  onTimezone(timezone: string): void;
}

/** The cron and timezone fields, with the cron in words and its next three fires. */
function CronFields({
  cron,
  timezone,
  state,
  onCron,
  onTimezone
}: ICronFieldsProps): JSX.Element {
  return (
    <div className="jp-MlopsParams jp-MlopsPromote-cron">
      <div className="jp-MlopsParams-row">
        <label className="jp-MlopsParams-label" htmlFor="promote-cron">
          <span className="jp-MlopsParams-name">Cron</span>
        </label>
        <input
          id="promote-cron"
          type="text"
          className="jp-mod-styled jp-MlopsParams-field"
          value={cron}
          spellCheck={false}
          placeholder="minute hour day month weekday"
          aria-invalid={state.error !== null}
          aria-describedby="promote-cron-words"
          onChange={event => onCron(event.target.value)}
        />
        <div
          id="promote-cron-words"
          className="jp-MlopsPromote-cronWords"
          aria-live="polite"
        >
          {state.error !== null ? (
            <span className="jp-MlopsParams-error">{state.error}</span>
          ) : state.description === null ? (
            <span className="jp-MlopsParams-help">…</span>
          ) : (
            <>
              <span>{state.description.description}</span>
              <ol className="jp-MlopsJobs-fires" aria-label="Next fires">
                {state.description.next_fires.map(fire => (
                  <li key={fire}>{formatTime(fire)}</li>
                ))}
              </ol>
            </>
          )}
        </div>
      </div>
      <div className="jp-MlopsParams-row">
        <label className="jp-MlopsParams-label" htmlFor="promote-timezone">
          <span className="jp-MlopsParams-name">Timezone</span>
        </label>
        <input
          id="promote-timezone"
          type="text"
          className="jp-mod-styled jp-MlopsParams-field"
          value={timezone}
          spellCheck={false}
          placeholder="Europe/Berlin"
          onChange={event => onTimezone(event.target.value)}
        />
      </div>
    </div>
  );
}

/** Properties of {@link PromoteForm}. */
export interface IPromoteFormProps {
  version: IPipelineVersion;
  client: IPromoteClient;
  /** Called with the jobs started (none for a schedule); the dialog closes. */
  onStarted(jobs: IJob[]): void;
}

/** How the version came to be, in a sentence. */
function promotedText(version: IPipelineVersion): string {
  const made = version.new
    ? `Promoted as ${version.name} v${version.version}.`
    : `Unchanged since ${version.name} v${version.version}.`;
  const note = version.parameters_cell?.note;
  return note ? `${made} ${note}` : made;
}

/**
 * The body of the "Promote / run as job" dialog: the version promoted, then a typed
 * parameter form to run it now or on a cron schedule, or a list of values per parameter
 * to sweep over. Values
 * are checked as they are typed; what the server refuses is shown as it says it.
 */
export function PromoteForm({
  version,
  client,
  onStarted
}: IPromoteFormProps): JSX.Element {
  const schema = version.parameters;
  const [mode, setMode] = useState<Mode>('run');
  const [initial] = useState<FieldValues>(() =>
    Object.fromEntries(schema.map(p => [p.name, initialValue(p)]))
  );
  const [fields, setFields] = useState<FieldValues>(initial);
  const [lists, setLists] = useState<Record<string, string>>({});
  const [parallel, setParallel] = useState('4');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [cron, setCron] = useState('0 2 * * *');
  const [timezone, setTimezone] = useState(localTimezone);
  const cronState = useCronDescription(
    client,
    mode === 'schedule' ? cron : null,
    timezone
  );

  const run = readForm(schema, fields, initial);
  const sweep = readSweep(schema, lists);
  const parallelValue = Number(parallel);
  const parallelError =
    Number.isInteger(parallelValue) && parallelValue >= 1
      ? null
      : 'At most how many jobs run at once: a whole number from 1.';
  let blocker: string | null = null;
  if (mode !== 'sweep' && Object.keys(run.errors).length > 0) {
    blocker = 'Fix the values marked above.';
  } else if (mode === 'schedule' && cronState.description === null) {
    blocker = cronState.error ?? 'Checking the cron…';
  } else if (mode === 'sweep') {
    if (Object.keys(sweep.errors).length > 0) {
      blocker = 'Fix the values marked above.';
    } else if (sweep.combinations === 0) {
      blocker = 'Give one or more values to at least one parameter.';
    } else {
      blocker = parallelError;
    }
  }

  const submit = async () => {
    setBusy(true);
    setRefusal(null);
    try {
      if (mode === 'run') {
        const job = await client.runPipeline(version.name, {
          parameters: run.values,
          version: version.version
        });
        onStarted([job]);
      } else if (mode === 'schedule') {
        await client.createSchedule({
          pipeline: version.name,
          cron: cron.trim(),
          timezone: timezone.trim(),
          parameters: run.values
        });
        onStarted([]);
      } else {
        const created = await client.createSweep(version.name, {
          grid: sweep.grid,
          max_parallel: parallelValue,
          version: version.version
        });
        onStarted(created.jobs);
      }
    } catch (reason) {
      setRefusal(messageOf(reason));
      setBusy(false);
    }
  };

  return (
    <form
      className="jp-MlopsPromote"
      aria-label={`Run ${version.name} v${version.version}`}
      onSubmit={event => {
        event.preventDefault();
        if (blocker === null && !busy) {
          void submit();
        }
      }}
    >
      <p className="jp-MlopsPromote-summary">{promotedText(version)}</p>
      <div
        className="jp-MlopsPanel-tabs jp-MlopsPromote-modes"
        role="radiogroup"
        aria-label="How to run it"
      >
        {MODES.map(([key, label]) => (
          <label
            key={key}
            className={`jp-MlopsPromote-mode${mode === key ? ' jp-mod-current' : ''}`}
          >
            <input
              type="radio"
              name={`mode-${version.name}`}
              value={key}
              checked={mode === key}
              onChange={() => setMode(key)}
            />
            {label}
          </label>
        ))}
      </div>
      {mode === 'schedule' && (
        <CronFields
          cron={cron}
          timezone={timezone}
          state={cronState}
          onCron={setCron}
          onTimezone={setTimezone}
        />
      )}
      {mode !== 'sweep' ? (
        <ParameterForm
          schema={schema}
          fields={fields}
          errors={run.errors}
          idPrefix="promote-run"
          onChange={(name, value) => setFields({ ...fields, [name]: value })}
        />
      ) : (
        <>
          <p className="jp-MlopsJobs-hint">
            A comma-separated list of values per parameter: one job runs for
            every combination. Parameters left empty keep their value.
          </p>
          <ParameterForm
            schema={schema}
            fields={lists}
            errors={sweep.errors}
            idPrefix="promote-sweep"
            sweep
            onChange={(name, value) =>
              setLists({ ...lists, [name]: String(value) })
            }
          />
          <div className="jp-MlopsParams-row">
            <label
              className="jp-MlopsParams-label"
              htmlFor="promote-sweep-parallel"
            >
              <span className="jp-MlopsParams-name">At once</span>
            </label>
            <input
              id="promote-sweep-parallel"
              type="number"
              min={1}
              className="jp-mod-styled jp-MlopsParams-field"
              value={parallel}
              aria-invalid={parallelError !== null}
              onChange={event => setParallel(event.target.value)}
            />
          </div>
          <p className="jp-MlopsPromote-count" aria-live="polite">
            {sweep.combinations === 1 ? '1 job' : `${sweep.combinations} jobs`}
          </p>
        </>
      )}
      <ErrorMessage message={refusal} />
      <div className="jp-MlopsJobs-actions">
        {blocker !== null && (
          <span className="jp-MlopsPromote-blocker">{blocker}</span>
        )}
        <button
          type="submit"
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={blocker !== null || busy}
        >
          {
            { run: 'Run now', sweep: 'Start the sweep', schedule: 'Schedule' }[
              mode
            ]
          }
        </button>
      </div>
    </form>
  );
}

/** The dialog's body widget. */
class PromoteBody extends ReactWidget {
  constructor(private readonly _props: IPromoteFormProps) {
    super();
    this.addClass('jp-MlopsPromote-body');
  }

  handleEvent(event: Event): void {
    // The dialog takes Enter in a field for its default button (Close) in the capture
    // phase; caught on the document before it, Enter submits the form instead.
    const target = event.target as HTMLElement | null;
    if (
      (event as KeyboardEvent).key === 'Enter' &&
      target instanceof HTMLInputElement &&
      this.node.contains(target)
    ) {
      event.stopPropagation();
      event.preventDefault();
      target.form?.requestSubmit();
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    document.addEventListener('keydown', this, true);
  }

  protected onBeforeDetach(msg: Message): void {
    document.removeEventListener('keydown', this, true);
    super.onBeforeDetach(msg);
  }

  protected render(): JSX.Element {
    return <PromoteForm {...this._props} />;
  }
}

/**
 * Show the dialog of a promoted version; resolves with the jobs started (none when it
 * was scheduled), or null when closed without doing anything.
 */
export async function runInDialog(
  version: IPipelineVersion,
  client: IPromoteClient
): Promise<IJob[] | null> {
  let started: IJob[] | null = null;
  const dialog = new Dialog({
    title: `Run ${version.name} as a job`,
    body: new PromoteBody({
      version,
      client,
      onStarted: jobs => {
        started = jobs;
        dialog.resolve(0);
      }
    }),
    buttons: [Dialog.cancelButton({ label: 'Close' })],
    focusNodeSelector: 'input'
  });
  await dialog.launch();
  return started;
}

/** Show why a notebook could not be promoted, as the server said it. */
export async function showRefusal(
  title: string,
  message: string
): Promise<void> {
  await new Dialog({
    title,
    body: ReactWidget.create(<ErrorMessage message={message} />),
    buttons: [Dialog.okButton({ label: 'Close' })]
  }).launch();
}
