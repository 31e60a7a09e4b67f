import { APIError } from '../api/request';
import {
  ICiReport,
  IHistoryEvent,
  IListModels,
  IModelDetail,
  IListRecommendationsQuery,
  IModelVersion,
  IRecommendation,
  ITransitionRequest
} from '../api/types';

const HOUR = 3600 * 1000;
export const now = Date.now();

/** A version of model churn. */
export function modelVersion(
  version: number,
  fields: Partial<IModelVersion> = {}
): IModelVersion {
  return {
    id: 10 + version,
    model: 'churn',
    version,
    run_id: `${version}a2b3c4d5e6f708192a3b4c5d6e7f8091`.slice(0, 32),
    artifact_name: 'clf.pkl',
    digest: 'f'.repeat(32),
    training_dataset_version_id: 40 + version,
    training_dataset: `data/train.csv@v${version}`,
    signature: null,
    description: null,
    tags: {},
    aliases: [],
    stage: null,
    created_by: 'ada',
    created_at: now - (5 - version) * HOUR,
    ...fields
  };
}

export const report: ICiReport = {
  outcome: 'pass',
  decision: 'pass',
  condition: 'n - o > 0.02 +/- 0.05',
  settings: {
    reliability: 0.99,
    mode: 'fp-free',
    adaptivity: 'none',
    steps: 4
  },
  clauses: [
    {
      text: 'n - o > 0.02 +/- 0.05',
      estimate: 0.125,
      low: 0.075,
      high: 0.175,
      threshold: 0.02,
      tolerance: 0.05,
      outcome: 'pass',
      examples_needed: 1560,
      bound: 'hoeffding'
    }
  ],
  estimates: { n: 0.9, o: 0.775 },
  examples_used: 2000,
  examples_needed: 1560,
  budget: { steps: 4, used: 1, left: 3, exhausted: false },
  error: null,
  failed_model: null
};

/** A pending request to move champion from v1 to v2, with a check. */
export function pendingRequest(
  fields: Partial<ITransitionRequest> = {}
): ITransitionRequest {
  return {
    id: 3,
    model: 'churn',
    version: 2,
    to: 'champion',
    from_version: 1,
    status: 'pending',
    requested_by: 'ada',
    requested_at: now - HOUR,
    reason: 'better recall <b>on</b> churners',
    condition: report.condition,
    test_dataset: 'churn/test@v1',
    test_dataset_version_id: 50,
    report,
    decided_by: null,
    decided_at: null,
    comment: null,
    ...fields
  };
}

/** A pending recommendation to retrain churn v2: column a of its training data drifted. */
export function recommendation(
  fields: Partial<IRecommendation> = {}
): IRecommendation {
  return {
    id: 4,
    model: 'churn',
    version: 2,
    model_version_id: 12,
    dataset_version: 'data/train.csv@v3',
    dataset_version_id: 43,
    training_dataset: 'data/train.csv@v2',
    training_dataset_version_id: 42,
    trigger: 'new_dataset_version',
    action: 'retrain',
    reasons: [
      'column a drifted: PSI 0.842 >= 0.2; KS statistic 0.41 >= 0.1 (p-value 1.2e-30 < 0.0125)',
      'column <i>c</i> is new (the model was not trained on it)'
    ],
    drift: {
      columns: {
        a: {
          method: 'psi+ks',
          psi: 0.842,
          ks_statistic: 0.41,
          ks_pvalue: 1.2e-30,
          drifted: true,
          reasons: ['column a drifted']
        },
        b: {
          method: 'psi+ks',
          psi: 0.012,
          ks_statistic: 0.03,
          ks_pvalue: 0.8,
          drifted: false,
          reasons: []
        }
      },
      thresholds: { psi: 0.2, ks_alpha: 0.05 },
      rows: { training: 1000, new: 1200 }
    },
    status: 'pending',
    created_by: 'ada',
    created_at: now - HOUR,
    decided_by: null,
    decided_at: null,
    comment: null,
    outcome: null,
    job_id: null,
    ...fields
  };
}

/** A recommendation on churn v1 that bob accepted: its retraining job started. */
export const acceptedRecommendation = recommendation({
  id: 2,
  version: 1,
  model_version_id: 11,
  training_dataset: 'data/train.csv@v1',
  training_dataset_version_id: 41,
  dataset_version: 'data/train.csv@v2',
  dataset_version_id: 42,
  status: 'accepted',
  created_at: now - 3 * HOUR,
  decided_by: 'bob',
  decided_at: now - 2 * HOUR,
  comment: 'retrain on <b>March</b> data',
  outcome:
    'retraining job 9f8e7d6c5b4a39281706f5e4d3c2b1a0 of pipeline train v3 started',
  job_id: '9f8e7d6c5b4a39281706f5e4d3c2b1a0'
});

export const history: IHistoryEvent[] = [
  {
    id: 1,
    kind: 'registered',
    version: 1,
    actor: 'ada',
    created_at: now - 4 * HOUR,
    details: { version: 1 }
  },
  {
    id: 2,
    kind: 'alias_set',
    version: 1,
    actor: 'bob',
    created_at: now - 3 * HOUR,
    details: { alias: 'champion', version: 1, previous: null, request_id: 1 }
  },
  {
    id: 3,
    kind: 'request_rejected',
    version: 2,
    actor: 'bob',
    created_at: now - 2 * HOUR,
    details: { request_id: 2, to: 'champion', comment: 'recall too low' }
  }
];

/**
 * A stand-in of the registry's REST API over one model: approving moves the alias and
 * adds to the history, as the server does; `refuse` makes the next decision fail with a
 * status and message.
 */
export class FakeModelsClient {
  versions = [
    modelVersion(1, { aliases: ['champion'] }),
    modelVersion(2, { aliases: ['staging'], stage: 'staging' })
  ];
  pending: ITransitionRequest[] = [pendingRequest()];
  events: IHistoryEvent[] = [...history];
  refuse: { status: number; message: string } | null = null;
  recommendations: IRecommendation[] = [
    recommendation(),
    acceptedRecommendation
  ];

  listModels = jest.fn(async (): Promise<IListModels> => ({
    models: [
      {
        name: 'churn',
        description: null,
        tags: {},
        versions: this.versions.length,
        latest_version: this.versions.length,
        aliases: Object.fromEntries(
          this.versions.flatMap(v => v.aliases.map(a => [a, v.version]))
        ),
        created_at: now - 5 * HOUR,
        updated_at: now - HOUR
      },
      {
        name: 'fraud',
        description: null,
        tags: {},
        versions: 0,
        latest_version: null,
        aliases: {},
        created_at: now - 5 * HOUR,
        updated_at: now - 5 * HOUR
      }
    ],
    protected_aliases: ['champion', 'production'],
    allow_self_approval: true
  }));

  listTransitionRequests = jest.fn(async () => [...this.pending]);

  getModel = jest.fn(async (name: string): Promise<IModelDetail> => ({
    name,
    description: null,
    tags: {},
    versions: this.versions.length,
    latest_version: this.versions.length,
    aliases: {},
    created_at: now - 5 * HOUR,
    updated_at: now - HOUR,
    model_versions: this.versions,
    pending_requests: [...this.pending],
    protected_aliases: ['champion', 'production']
  }));

  getModelHistory = jest.fn(async () => [...this.events]);

  listRecommendations = jest.fn(
    async (query: IListRecommendationsQuery = {}): Promise<IRecommendation[]> =>
      this.recommendations
        .filter(
          item =>
            (query.model === undefined || item.model === query.model) &&
            (query.status === undefined || item.status === query.status)
        )
        .sort((a, b) => b.created_at - a.created_at)
  );

  acceptRecommendation = jest.fn(
    async (id: number, comment?: string): Promise<IRecommendation> =>
      this.decideRecommendation(id, {
        status: 'accepted',
        comment: comment ?? null,
        outcome: 'retraining requested: v2 is tagged retrain'
      })
  );

  /** Refuses a blank reason with the server's message, as the server does. */
  dismissRecommendation = jest.fn(
    async (id: number, reason: string): Promise<IRecommendation> => {
      if (!reason.trim()) {
        throw new APIError(
          "dismissing a recommendation needs a reason saying why (e.g. 'the shift is seasonal')",
          400
        );
      }
      return this.decideRecommendation(id, {
        status: 'dismissed',
        comment: reason
      });
    }
  );

  private decideRecommendation(
    id: number,
    decision: Partial<IRecommendation>
  ): IRecommendation {
    if (this.refuse) {
      const { status, message } = this.refuse;
      this.refuse = null;
      throw new APIError(message, status);
    }
    const decided = {
      ...this.recommendations.find(found => found.id === id)!,
      ...decision,
      decided_by: 'carol',
      decided_at: Date.now()
    };
    this.recommendations = this.recommendations.map(found =>
      found.id === id ? decided : found
    );
    return decided;
  }

  approveTransitionRequest = jest.fn(
    async (id: number, comment?: string): Promise<ITransitionRequest> =>
      this.decide(id, true, comment ?? null)
  );

  rejectTransitionRequest = jest.fn(
    async (id: number, comment: string): Promise<ITransitionRequest> =>
      this.decide(id, false, comment)
  );

  private decide(
    id: number,
    approve: boolean,
    comment: string | null
  ): ITransitionRequest {
    if (this.refuse) {
      const { status, message } = this.refuse;
      this.refuse = null;
      throw new APIError(message, status);
    }
    const request = this.pending.find(found => found.id === id)!;
    this.pending = this.pending.filter(found => found.id !== id);
    if (approve) {
      for (const version of this.versions) {
        version.aliases = version.aliases.filter(a => a !== request.to);
      }
      this.versions[request.version - 1].aliases.push(request.to);
    }
    this.events.push({
      id: this.events.length + 1,
      kind: approve ? 'request_approved' : 'request_rejected',
      version: request.version,
      actor: 'carol',
      created_at: Date.now(),
      details: { request_id: id, to: request.to, comment }
    });
    return {
      ...request,
      status: approve ? 'approved' : 'rejected',
      comment
    };
  }
}

/** The registry's API of a store without models, for tests of the rest of the panel. */
export function emptyModelsClient() {
  return {
    listModels: jest.fn(async (): Promise<IListModels> => ({
      models: [],
      protected_aliases: ['champion', 'production'],
      allow_self_approval: false
    })),
    listTransitionRequests: jest.fn(
      async (): Promise<ITransitionRequest[]> => []
    ),
    getModel: jest.fn(),
    getModelHistory: jest.fn(),
    approveTransitionRequest: jest.fn(),
    rejectTransitionRequest: jest.fn(),
    listRecommendations: jest.fn(async (): Promise<IRecommendation[]> => []),
    acceptRecommendation: jest.fn(),
    dismissRecommendation: jest.fn()
  };
}
