import { ISignal, Signal } from '@lumino/signaling';

import { APIError } from '../api/request';
import {
  IHistoryEvent,
  IListModels,
  IListTransitionRequestsQuery,
  IModelDetail,
  IListRecommendationsQuery,
  IModelSummary,
  IRecommendation,
  ITransitionRequest
} from '../api/types';
import { messageOf } from '../shared/ErrorMessage';

/** What the models model needs of the API client (the real one, or a stand-in in tests). */
export interface IModelsClient {
  listModels(): Promise<IListModels>;
  getModel(name: string): Promise<IModelDetail>;
  getModelHistory(name: string): Promise<IHistoryEvent[]>;
  listTransitionRequests(
    query?: IListTransitionRequestsQuery
  ): Promise<ITransitionRequest[]>;
  approveTransitionRequest(
    requestId: number,
    comment?: string
  ): Promise<ITransitionRequest>;
  rejectTransitionRequest(
    requestId: number,
    comment: string
  ): Promise<ITransitionRequest>;
  listRecommendations(
    query?: IListRecommendationsQuery
  ): Promise<IRecommendation[]>;
  acceptRecommendation(
    recommendationId: number,
    comment?: string
  ): Promise<IRecommendation>;
  dismissRecommendation(
    recommendationId: number,
    reason: string
  ): Promise<IRecommendation>;
}

/**
 * Statuses of a refusal that a different comment can mend (a bad or missing one): the
 * dialog asking for the comment shows them and asks again. Any other refusal (one's own
 * request, a decision already made) stays with the request in the panel.
 */
const COMMENT_STATUSES = new Set([400, 413]);

/** What a decision is on: a transition request or a retraining recommendation. */
type Decided = 'request' | 'recommendation';

/** Pending recommendations first, then the newest first (as the server lists them). */
function pendingFirst(found: IRecommendation[]): IRecommendation[] {
  const pending = found.filter(item => item.status === 'pending');
  return [...pending, ...found.filter(item => item.status !== 'pending')];
}

/**
 * The Models section's data: the registered models with their pending requests and
 * retraining recommendations counted, and the model opened with its versions, pending
 * requests, recommendations and history. Deciding a request or a recommendation reloads
 * what it changed.
 */
export class ModelsModel {
  constructor(private readonly _client: IModelsClient) {}

  /** Emitted whenever anything shown changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Every registered model, or null before the first answer. */
  get models(): readonly IModelSummary[] | null {
    return this._models;
  }

  /** The aliases that move only through an approved request. */
  get protectedAliases(): readonly string[] {
    return this._protected;
  }

  /** Whether one may approve one's own request on this store. */
  get allowSelfApproval(): boolean {
    return this._selfApproval;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** Why the models could not be listed. */
  get error(): string | null {
    return this._error;
  }

  /** How many requests wait for a decision on a model. */
  pendingCount(name: string): number {
    return this._pending.get(name) ?? 0;
  }

  /** How many retraining recommendations wait for a decision on a model. */
  recommendationCount(name: string): number {
    return this._pendingRecommendations.get(name) ?? 0;
  }

  /** The model opened, by name. */
  get opened(): string | null {
    return this._opened;
  }

  /** The opened model with its versions and pending requests, once fetched. */
  get detail(): IModelDetail | null {
    return this._detail;
  }

  /** The opened model's history, oldest first, once fetched. */
  get history(): readonly IHistoryEvent[] | null {
    return this._history;
  }

  /** The opened model's retraining recommendations, pending first, once fetched. */
  get recommendations(): readonly IRecommendation[] | null {
    return this._recommendations;
  }

  get detailLoading(): boolean {
    return this._detailLoading;
  }

  get detailError(): string | null {
    return this._detailError;
  }

  /** Why the last decision on a request (or a recommendation) was refused, if it was. */
  decisionError(id: number, on: Decided = 'request'): string | null {
    return this._decisionErrors.get(`${on}:${id}`) ?? null;
  }

  /** Whether a decision on a request (or a recommendation) is on its way to the server. */
  isDeciding(id: number, on: Decided = 'request'): boolean {
    return this._deciding.has(`${on}:${id}`);
  }

  /** List the models (again) with their pending requests, and the opened model. */
  async load(): Promise<void> {
    this._loading = true;
    this._emit();
    try {
      const [listed, pending, recommended] = await Promise.all([
        this._client.listModels(),
        this._client.listTransitionRequests({ status: 'pending' }),
        this._client.listRecommendations({ status: 'pending' })
      ]);
      this._models = listed.models;
      this._protected = listed.protected_aliases;
      this._selfApproval = listed.allow_self_approval;
      this._pending = new Map();
      for (const request of pending) {
        this._pending.set(request.model, this.pendingCount(request.model) + 1);
      }
      this._pendingRecommendations = new Map();
      for (const item of recommended) {
        this._pendingRecommendations.set(
          item.model,
          this.recommendationCount(item.model) + 1
        );
      }
      this._error = null;
    } catch (reason) {
      this._error = messageOf(reason);
    } finally {
      this._loading = false;
      this._emit();
    }
    if (this._opened !== null) {
      await this._fetchDetail(this._opened);
    }
  }

  /** Load the models the first time the section is shown. */
  ensureLoaded(): void {
    if (this._models === null && !this._loading && this._error === null) {
      void this.load();
    }
  }

  /** Open a model (its versions, requests and history); opening it again closes it. */
  async toggleOpen(name: string): Promise<void> {
    if (this._opened === name) {
      this._opened = null;
      this._detail = null;
      this._history = null;
      this._recommendations = null;
      this._detailError = null;
      this._emit();
      return;
    }
    this._opened = name;
    this._detail = null;
    this._history = null;
    this._recommendations = null;
    this._decisionErrors.clear();
    await this._fetchDetail(name);
  }

  /**
   * Approve or reject a request with a comment, then reload the list and the opened
   * model (the alias moved, the history grew).
   *
   * @throws the server's refusal when a different comment can mend it (a rejection
   *   without one, one too long), so the dialog asking for it can ask again; any other
   *   refusal is kept as {@link decisionError} and the promise resolves.
   */
  async decide(
    requestId: number,
    approve: boolean,
    comment: string
  ): Promise<void> {
    await this._decide(`request:${requestId}`, () =>
      approve
        ? this._client.approveTransitionRequest(
            requestId,
            comment.trim() ? comment : undefined
          )
        : this._client.rejectTransitionRequest(requestId, comment)
    );
  }

  /**
   * Accept a retraining recommendation with an optional comment, or dismiss it with a
   * reason, then reload the list and the opened model.
   *
   * @throws the server's refusal when a different text can mend it (a dismissal without
   *   a reason, a text too long), as {@link decide} does; any other refusal (a decision
   *   already made) is kept as {@link decisionError} and the promise resolves.
   */
  async decideRecommendation(
    recommendationId: number,
    accept: boolean,
    text: string
  ): Promise<void> {
    await this._decide(`recommendation:${recommendationId}`, () =>
      accept
        ? this._client.acceptRecommendation(
            recommendationId,
            text.trim() ? text : undefined
          )
        : this._client.dismissRecommendation(recommendationId, text)
    );
  }

  /** Send a decision, keep or rethrow its refusal, and reload once it is made. */
  private async _decide(
    key: string,
    send: () => Promise<unknown>
  ): Promise<void> {
    this._deciding.add(key);
    this._decisionErrors.delete(key);
    this._emit();
    try {
      await send();
    } catch (reason) {
      if (reason instanceof APIError && COMMENT_STATUSES.has(reason.status)) {
        throw reason;
      }
      this._decisionErrors.set(key, messageOf(reason));
      return;
    } finally {
      this._deciding.delete(key);
      this._emit();
    }
    await this.load();
  }

  private async _fetchDetail(name: string): Promise<void> {
    this._detailLoading = true;
    this._detailError = null;
    this._emit();
    try {
      const [detail, history, recommendations] = await Promise.all([
        this._client.getModel(name),
        this._client.getModelHistory(name),
        this._client.listRecommendations({ model: name })
      ]);
      if (this._opened === name) {
        this._detail = detail;
        this._history = history;
        this._recommendations = pendingFirst(recommendations);
      }
    } catch (reason) {
      if (this._opened === name) {
        this._detailError = messageOf(reason);
      }
    } finally {
      if (this._opened === name) {
        this._detailLoading = false;
      }
      this._emit();
    }
  }

  private _emit(): void {
    this._changed.emit();
  }

  private readonly _changed = new Signal<this, void>(this);
  private _models: IModelSummary[] | null = null;
  private _protected: string[] = [];
  private _selfApproval = false;
  private _pending = new Map<string, number>();
  private _pendingRecommendations = new Map<string, number>();
  private _loading = false;
  private _error: string | null = null;
  private _opened: string | null = null;
  private _detail: IModelDetail | null = null;
  private _history: IHistoryEvent[] | null = null;
  private _recommendations: IRecommendation[] | null = null;
  private _detailLoading = false;
  private _detailError: string | null = null;
  private _decisionErrors = new Map<string, string>();
  private _deciding = new Set<string>();
}
