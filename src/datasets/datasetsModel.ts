import { ISignal, Signal } from '@lumino/signaling';

import {
  IDatasetSummary,
  IDatasetVersionDetail,
  IDatasetVersionSummary
} from '../api/types';
import { messageOf } from '../shared/ErrorMessage';

/** What the datasets model needs of the API client (the real one, or a stand-in in tests). */
export interface IDatasetsClient {
  listDatasets(): Promise<IDatasetSummary[]>;
  listDatasetVersions(name: string): Promise<IDatasetVersionSummary[]>;
  getDatasetVersion(versionId: number): Promise<IDatasetVersionDetail>;
}

/** A dataset's versions as fetched: absent until asked, then loading, then a list or an error. */
export interface IVersionsState {
  loading: boolean;
  versions: IDatasetVersionSummary[] | null;
  error: string | null;
}

/** The two versions to diff: `a` the older, `b` the newer. */
export interface IDiffPair {
  a: number;
  b: number;
}

/**
 * The datasets section's data: the datasets, the versions of those expanded, the version
 * selected (with its schema and profile) and the two versions ticked for a diff.
 */
export class DatasetsModel {
  constructor(private readonly _client: IDatasetsClient) {}

  /** Emitted whenever anything shown changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Every dataset, or null before the first answer. */
  get datasets(): readonly IDatasetSummary[] | null {
    return this._datasets;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** Why the datasets could not be listed. */
  get error(): string | null {
    return this._error;
  }

  /** Whether a dataset's versions are shown. */
  isExpanded(name: string): boolean {
    return this._expanded.has(name);
  }

  /** A dataset's versions, newest first, once asked for. */
  versionsOf(name: string): IVersionsState | undefined {
    return this._versions.get(name);
  }

  /** The version whose schema and profile are shown. */
  get selectedVersion(): number | null {
    return this._selected;
  }

  /** The selected version's schema and profile, once fetched. */
  get detail(): IDatasetVersionDetail | null {
    return this._detail;
  }

  get detailLoading(): boolean {
    return this._detailLoading;
  }

  get detailError(): string | null {
    return this._detailError;
  }

  /** The versions ticked for a diff, at most two, in the order ticked. */
  get ticked(): readonly number[] {
    return this._ticked;
  }

  /** Whether a version is ticked. */
  isTicked(versionId: number): boolean {
    return this._ticked.includes(versionId);
  }

  /**
   * The diff of the two ticked versions, the older as `a` (by creation time, then id),
   * or null unless exactly two are ticked.
   */
  get diffPair(): IDiffPair | null {
    if (this._ticked.length !== 2) {
      return null;
    }
    const [first, second] = this._ticked.map(id => this._known.get(id));
    if (!first || !second) {
      return null;
    }
    const firstIsOlder =
      first.created_at !== second.created_at
        ? first.created_at < second.created_at
        : first.id < second.id;
    return firstIsOlder
      ? { a: first.id, b: second.id }
      : { a: second.id, b: first.id };
  }

  /** List the datasets (again), and the versions of those expanded. */
  async load(): Promise<void> {
    this._loading = true;
    this._emit();
    try {
      this._datasets = await this._client.listDatasets();
      this._error = null;
    } catch (reason) {
      this._error = messageOf(reason);
    } finally {
      this._loading = false;
      this._emit();
    }
    await Promise.all(
      [...this._expanded].map(name => this._fetchVersions(name))
    );
  }

  /** Load the datasets the first time the section is shown. */
  ensureLoaded(): void {
    if (this._datasets === null && !this._loading && this._error === null) {
      void this.load();
    }
  }

  /** Show or hide a dataset's versions (fetched the first time). */
  async toggleExpanded(name: string): Promise<void> {
    if (this._expanded.has(name)) {
      this._expanded.delete(name);
      this._emit();
      return;
    }
    this._expanded.add(name);
    this._emit();
    const state = this._versions.get(name);
    if (!state || state.error !== null) {
      await this._fetchVersions(name);
    }
  }

  /** Show a version's schema and profile; selecting it again hides them. */
  async select(versionId: number | null): Promise<void> {
    if (versionId === null || versionId === this._selected) {
      this._selected = null;
      this._detail = null;
      this._detailError = null;
      this._emit();
      return;
    }
    this._selected = versionId;
    this._detail = null;
    this._detailError = null;
    this._detailLoading = true;
    this._emit();
    try {
      const detail = await this._client.getDatasetVersion(versionId);
      if (this._selected === versionId) {
        this._detail = detail;
      }
    } catch (reason) {
      if (this._selected === versionId) {
        this._detailError = messageOf(reason);
      }
    } finally {
      if (this._selected === versionId) {
        this._detailLoading = false;
        this._emit();
      }
    }
  }

  /**
   * Show one version: the datasets listed (if not yet), its dataset expanded and the
   * version selected with its schema and profile.
   */
  async reveal(name: string, versionId: number): Promise<void> {
    if (this._datasets === null && !this._loading) {
      await this.load();
    }
    if (!this._expanded.has(name)) {
      await this.toggleExpanded(name);
    }
    if (this._selected !== versionId) {
      await this.select(versionId);
    }
  }

  /** Tick or untick a version for a diff; a third tick replaces the first. */
  toggleTicked(versionId: number): void {
    if (this._ticked.includes(versionId)) {
      this._ticked = this._ticked.filter(id => id !== versionId);
    } else {
      this._ticked = [...this._ticked, versionId].slice(-2);
    }
    this._emit();
  }

  private async _fetchVersions(name: string): Promise<void> {
    const previous = this._versions.get(name);
    this._versions.set(name, {
      loading: true,
      versions: previous?.versions ?? null,
      error: null
    });
    this._emit();
    try {
      const versions = await this._client.listDatasetVersions(name);
      for (const version of versions) {
        this._known.set(version.id, version);
      }
      // Newest first: the version most likely wanted is at the top.
      this._versions.set(name, {
        loading: false,
        versions: versions.slice().reverse(),
        error: null
      });
    } catch (reason) {
      this._versions.set(name, {
        loading: false,
        versions: previous?.versions ?? null,
        error: messageOf(reason)
      });
    }
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private readonly _changed = new Signal<this, void>(this);
  private _datasets: IDatasetSummary[] | null = null;
  private _loading = false;
  private _error: string | null = null;
  private _expanded = new Set<string>();
  private _versions = new Map<string, IVersionsState>();
  private _known = new Map<number, IDatasetVersionSummary>();
  private _selected: number | null = null;
  private _detail: IDatasetVersionDetail | null = null;
  private _detailLoading = false;
  private _detailError: string | null = null;
  private _ticked: number[] = [];
}
