import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import React from 'react';

import { DatasetsModel, IDatasetsClient } from '../datasets/datasetsModel';
import { DatasetsSection } from '../datasets/DatasetsSection';
import { IModelsClient, ModelsModel } from '../models/modelsModel';
import { ModelsSection } from '../models/ModelsSection';
import { IJobsClient, JobsModel } from '../pipelines/jobsModel';
import { JobsSection } from '../pipelines/JobsSection';
import { IRunsClient, RunsModel } from '../runs/runsModel';
import { RunsSection } from '../runs/RunsSection';
import { ICommandRunner } from '../shared/commands';
import { IStatusSource, StatusView } from './StatusView';

/** The panel's settings (`mlops-jlab:panel`). */
export interface IPanelSettings {
  /** Runs fetched per request while the table scrolls. */
  pageSize: number;
  /** Seconds between refreshes of the visible Runs section; 0 is off. */
  refreshInterval: number;
}

/** What the panel needs of the API client. */
export type IPanelClient = IRunsClient &
  IDatasetsClient &
  IModelsClient &
  IJobsClient &
  IStatusSource;

/** Options of {@link MlopsPanel}. */
export interface IMlopsPanelOptions {
  client: IPanelClient;
  commands: ICommandRunner;
  settings?: Partial<IPanelSettings>;
}

/** The panel's sections. */
export type PanelSection = 'runs' | 'datasets' | 'models' | 'jobs';

const SECTIONS: [PanelSection, string][] = [
  ['runs', 'Runs'],
  ['datasets', 'Datasets'],
  ['models', 'Models'],
  ['jobs', 'Jobs']
];

/**
 * The left side panel of mlops-jlab: Runs, Datasets and Models sections behind tabs, and
 * a footer naming the store. The Runs section refreshes itself only while it is on screen.
 */
export class MlopsPanel extends ReactWidget {
  constructor(options: IMlopsPanelOptions) {
    super();
    this.addClass('jp-MlopsPanel');
    this.addClass('jp-MlopsPanel-withSections');
    this._client = options.client;
    this._commands = options.commands;
    this.runs = new RunsModel({
      client: options.client,
      pageSize: options.settings?.pageSize,
      refreshInterval: options.settings?.refreshInterval
    });
    this.datasets = new DatasetsModel(options.client);
    this.models = new ModelsModel(options.client);
    this.jobs = new JobsModel({ client: options.client });
    this.runs.changed.connect(this._onRunsChanged, this);
  }

  /** The Runs section's data. */
  readonly runs: RunsModel;

  /** The Datasets section's data. */
  readonly datasets: DatasetsModel;

  /** The Models section's data. */
  readonly models: ModelsModel;
  /** The Jobs section's data. */
  readonly jobs: JobsModel;

  /** The section shown. */
  get section(): PanelSection {
    return this._section;
  }

  set section(section: PanelSection) {
    if (section === this._section) {
      return;
    }
    this._section = section;
    this._syncVisibility();
    this.update();
  }

  /** Apply the panel's settings (again, when they change). */
  setSettings(settings: Partial<IPanelSettings>): void {
    if (typeof settings.pageSize === 'number') {
      this.runs.setPageSize(settings.pageSize);
    }
    if (typeof settings.refreshInterval === 'number') {
      this.runs.setRefreshInterval(settings.refreshInterval);
    }
  }

  /**
   * Show the Runs section with the cursor in its filter box (its text selected), or
   * apply `filter` at once when one is given.
   */
  focusFilter(filter?: string): void {
    this.section = 'runs';
    if (typeof filter === 'string') {
      void this.runs.setQuery({ filter: filter.trim() });
    }
    this.update();
    requestAnimationFrame(() => {
      const input = this.node.querySelector<HTMLInputElement>(
        'input[aria-label="Filter runs"]'
      );
      input?.focus();
      input?.select();
    });
  }

  /** Show a dataset version's schema and profile in the Datasets section. */
  async showDatasetVersion(name: string, versionId: number): Promise<void> {
    this.section = 'datasets';
    await this.datasets.reveal(name, versionId);
    requestAnimationFrame(() => {
      const row = this.node.querySelector<HTMLElement>(
        `[data-version-id="${versionId}"]`
      );
      row?.scrollIntoView({ block: 'nearest' });
      row?.querySelector<HTMLElement>('button')?.focus({ preventScroll: true });
    });
  }

  /** Show the Jobs section, refreshed, with a job selected (its detail and log). */
  async showJob(jobId: string | null): Promise<void> {
    this.section = 'jobs';
    if (jobId === null) {
      await this.jobs.refresh().catch(() => undefined);
      return;
    }
    await this.jobs.reveal(jobId);
    if (/^[0-9a-f]+$/.test(jobId)) {
      requestAnimationFrame(() =>
        this.node
          .querySelector<HTMLElement>(`[data-job-id="${jobId}"]`)
          ?.scrollIntoView({ block: 'nearest' })
      );
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.runs.dispose();
    this.jobs.dispose();
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._syncVisibility();
  }

  protected onBeforeDetach(msg: Message): void {
    this.runs.setVisible(false);
    this.jobs.setVisible(false);
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._syncVisibility();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._syncVisibility();
  }

  protected render(): JSX.Element {
    const id = this.id || 'mlops-jlab-panel';
    return (
      <div className="jp-MlopsPanel-frame">
        <div
          className="jp-MlopsPanel-tabs"
          role="tablist"
          aria-label="MLOps sections"
          onKeyDown={this._onTabKey}
        >
          {SECTIONS.map(([section, label]) => {
            const current = section === this._section;
            return (
              <button
                key={section}
                role="tab"
                id={`${id}-tab-${section}`}
                aria-selected={current}
                aria-controls={`${id}-section-${section}`}
                tabIndex={current ? 0 : -1}
                className={`jp-MlopsPanel-tab${current ? ' jp-mod-current' : ''}`}
                onClick={() => (this.section = section)}
              >
                {label}
              </button>
            );
          })}
        </div>
        <div
          role="tabpanel"
          id={`${id}-section-runs`}
          aria-labelledby={`${id}-tab-runs`}
          className="jp-MlopsPanel-section"
          hidden={this._section !== 'runs'}
        >
          <RunsSection model={this.runs} commands={this._commands} />
        </div>
        <div
          role="tabpanel"
          id={`${id}-section-datasets`}
          aria-labelledby={`${id}-tab-datasets`}
          className="jp-MlopsPanel-section jp-mod-scroll"
          hidden={this._section !== 'datasets'}
        >
          <DatasetsSection model={this.datasets} commands={this._commands} />
        </div>
        <div
          role="tabpanel"
          id={`${id}-section-models`}
          aria-labelledby={`${id}-tab-models`}
          className="jp-MlopsPanel-section jp-mod-scroll"
          hidden={this._section !== 'models'}
        >
          <ModelsSection model={this.models} commands={this._commands} />
        </div>
        <div
          role="tabpanel"
          id={`${id}-section-jobs`}
          aria-labelledby={`${id}-tab-jobs`}
          className="jp-MlopsPanel-section jp-mod-scroll"
          hidden={this._section !== 'jobs'}
        >
          <JobsSection model={this.jobs} commands={this._commands} />
        </div>
        <StatusView source={this._client} active={this._statusActive} />
      </div>
    );
  }

  /** Left and right arrows move between the tabs, as in JupyterLab's own tab bars. */
  private _onTabKey = (event: React.KeyboardEvent<HTMLDivElement>): void => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') {
      return;
    }
    event.preventDefault();
    const index = SECTIONS.findIndex(([section]) => section === this._section);
    const step = event.key === 'ArrowRight' ? 1 : SECTIONS.length - 1;
    this.section = SECTIONS[(index + step) % SECTIONS.length][0];
    requestAnimationFrame(() =>
      this.node
        .querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')
        ?.focus()
    );
  };

  private _syncVisibility(): void {
    const visible = this.isAttached && this.isVisible;
    this.runs.setVisible(visible && this._section === 'runs');
    this.jobs.setVisible(visible && this._section === 'jobs');
    if (visible && this._section === 'datasets') {
      this.datasets.ensureLoaded();
    }
    if (visible && this._section === 'models') {
      this.models.ensureLoaded();
    }
  }

  /** The store's status is asked for once the first runs are painted (or failed). */
  private _onRunsChanged(): void {
    if (!this._statusActive && (this.runs.loaded || this.runs.error !== null)) {
      this._statusActive = true;
      this.update();
    }
  }

  private readonly _client: IPanelClient;
  private readonly _commands: ICommandRunner;
  private _section: PanelSection = 'runs';
  private _statusActive = false;
}
