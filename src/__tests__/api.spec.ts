import { ServerConnection } from '@jupyterlab/services';

import { MlopsClient } from '../api/client';

const settings = ServerConnection.makeSettings({
  baseUrl: 'http://localhost:8888/base/'
});
const API = 'http://localhost:8888/base/mlops-jlab/api/';

function ok(body: unknown): Response {
  return {
    ok: true,
    status: 200,
    statusText: 'OK',
    text: async () => JSON.stringify(body)
  } as unknown as Response;
}

describe('MlopsClient', () => {
  let makeRequest: jest.SpyInstance;
  const client = new MlopsClient(settings);

  beforeEach(() => {
    makeRequest = jest.spyOn(ServerConnection, 'makeRequest');
  });

  afterEach(() => {
    makeRequest.mockRestore();
  });

  const calledUrl = (): string => makeRequest.mock.calls[0][0];
  const calledInit = (): RequestInit => makeRequest.mock.calls[0][1];

  it('given a filter with quotes and spaces, when listing runs, then the query string carries it encoded and leaves out unset fields', async () => {
    makeRequest.mockResolvedValue(ok({ runs: [] }));
    await client.listRuns({
      filter: "params.model = 'rf' AND metrics.acc > 0.9",
      order_by: 'metrics.`val-loss` ASC',
      page_size: 200,
      page_token: undefined,
      reverse: true
    });
    const url = new URL(calledUrl());
    expect(url.pathname).toBe('/base/mlops-jlab/api/runs');
    expect(url.searchParams.get('filter')).toBe(
      "params.model = 'rf' AND metrics.acc > 0.9"
    );
    expect(url.searchParams.get('order_by')).toBe('metrics.`val-loss` ASC');
    expect(url.searchParams.get('page_size')).toBe('200');
    expect(url.searchParams.get('reverse')).toBe('true');
    expect(url.searchParams.has('page_token')).toBe(false);
    expect(calledInit().signal).toBeUndefined();
  });

  it('given a filter and a bound, when counting runs, then the count route gets them and the signal', async () => {
    makeRequest.mockResolvedValue(
      ok({ total: 100, complete: false, is_estimate: false })
    );
    const controller = new AbortController();
    const count = await client.countRuns(
      { filter: 'metrics.acc > 0.1', limit: 100 },
      { signal: controller.signal }
    );
    const url = new URL(calledUrl());
    expect(url.pathname).toBe('/base/mlops-jlab/api/runs/count');
    expect(url.searchParams.get('filter')).toBe('metrics.acc > 0.1');
    expect(url.searchParams.get('limit')).toBe('100');
    expect(calledInit().signal).toBe(controller.signal);
    expect(count).toEqual({ total: 100, complete: false, is_estimate: false });
  });

  it('given a signal, when listing runs, then the request carries it', async () => {
    makeRequest.mockResolvedValue(ok({ runs: [] }));
    const controller = new AbortController();
    await client.listRuns({ page_size: 10 }, { signal: controller.signal });
    expect(calledInit().signal).toBe(controller.signal);
  });

  it('given a dataset named like a path, when listing its versions, then its slash is one encoded segment', async () => {
    makeRequest.mockResolvedValue(ok({ name: 'data/train.csv', versions: [] }));
    await client.listDatasetVersions('data/train.csv');
    expect(calledUrl()).toBe(`${API}datasets/data%2Ftrain.csv/versions`);
  });

  it('given a metric key with a slash, when reading its history, then the key is one segment and the options are the query', async () => {
    makeRequest.mockResolvedValue(ok({ points: [] }));
    await client.getMetricHistory('ab'.repeat(16), 'val/loss', {
      max_points: 500
    });
    expect(calledUrl()).toBe(
      `${API}runs/${'ab'.repeat(16)}/metrics/val%2Floss?max_points=500`
    );
  });

  it('given runs to compare, when comparing, then they are POSTed as JSON in order', async () => {
    makeRequest.mockResolvedValue(ok({ runs: [] }));
    await client.compareRuns(['b', 'a']);
    expect(calledUrl()).toBe(`${API}runs/compare`);
    expect(calledInit().method).toBe('POST');
    expect(JSON.parse(calledInit().body as string)).toEqual({
      run_ids: ['b', 'a']
    });
  });

  it('given a run to rename, when updating it, then the change is PATCHed', async () => {
    makeRequest.mockResolvedValue(ok({ id: 'x' }));
    await client.updateRun('x', { name: 'better' });
    expect(calledInit().method).toBe('PATCH');
    expect(JSON.parse(calledInit().body as string)).toEqual({ name: 'better' });
  });

  it('given a node and a direction, when asking its lineage, then the kind, id and options are in the URL', async () => {
    makeRequest.mockResolvedValue(ok({ nodes: [], edges: [] }));
    await client.getLineage('dataset_version', '12', {
      direction: 'up',
      depth: 2
    });
    expect(calledUrl()).toBe(
      `${API}lineage/dataset_version/12?direction=up&depth=2`
    );
  });

  it('given two versions, when diffing, then a and b are the query', async () => {
    makeRequest.mockResolvedValue(ok({}));
    await client.diffDatasetVersions(3, 7);
    expect(calledUrl()).toBe(`${API}dataset-versions/diff?a=3&b=7`);
  });

  it('given the answers wrap their lists, when listing, then the lists are returned', async () => {
    makeRequest.mockResolvedValue(ok({ datasets: [{ name: 'raw' }] }));
    await expect(client.listDatasets()).resolves.toEqual([{ name: 'raw' }]);
  });

  it('given a digest, then the download URL is under the API', () => {
    expect(client.artifactUrl('f'.repeat(32))).toBe(
      `${API}artifacts/${'f'.repeat(32)}`
    );
  });

  it('given a model named like a path, when reading it and its history, then its name is one encoded segment', async () => {
    makeRequest.mockResolvedValue(ok({ model: 'team/churn', events: [] }));
    expect(await client.getModelHistory('team/churn')).toEqual([]);
    expect(calledUrl()).toBe(`${API}models/team%2Fchurn/history`);
  });

  it('given pending requests asked for, then the status is the query and the list is returned', async () => {
    makeRequest.mockResolvedValue(ok({ requests: [] }));
    expect(await client.listTransitionRequests({ status: 'pending' })).toEqual(
      []
    );
    expect(calledUrl()).toBe(`${API}requests?status=pending`);
  });

  it('given a decision, then approve and reject POST the comment, and an approval without one sends none', async () => {
    makeRequest.mockResolvedValue(ok({ id: 3 }));
    await client.rejectTransitionRequest(3, 'worse on churners');
    expect(calledUrl()).toBe(`${API}requests/3/reject`);
    expect(calledInit().method).toBe('POST');
    expect(JSON.parse(calledInit().body as string)).toEqual({
      comment: 'worse on churners'
    });
    makeRequest.mockClear();
    await client.approveTransitionRequest(3);
    expect(calledUrl()).toBe(`${API}requests/3/approve`);
    expect(JSON.parse(calledInit().body as string)).toEqual({});
  });

  it("given a model's pending recommendations asked for, then model and status are the query and the list is returned", async () => {
    makeRequest.mockResolvedValue(ok({ recommendations: [{ id: 4 }] }));
    expect(
      await client.listRecommendations({
        model: 'team/churn',
        status: 'pending'
      })
    ).toEqual([{ id: 4 }]);
    expect(calledUrl()).toBe(
      `${API}recommendations?model=team%2Fchurn&status=pending`
    );
    makeRequest.mockClear();
    await client.getRecommendation(4);
    expect(calledUrl()).toBe(`${API}recommendations/4`);
  });

  it('given a recommendation decided, then accept POSTs the comment (none when empty) and dismiss the reason', async () => {
    makeRequest.mockResolvedValue(ok({ id: 4 }));
    await client.acceptRecommendation(4, 'retrain on March');
    expect(calledUrl()).toBe(`${API}recommendations/4/accept`);
    expect(calledInit().method).toBe('POST');
    expect(JSON.parse(calledInit().body as string)).toEqual({
      comment: 'retrain on March'
    });
    makeRequest.mockClear();
    await client.acceptRecommendation(4);
    expect(JSON.parse(calledInit().body as string)).toEqual({});
    makeRequest.mockClear();
    await client.dismissRecommendation(4, '');
    expect(calledUrl()).toBe(`${API}recommendations/4/dismiss`);
    expect(JSON.parse(calledInit().body as string)).toEqual({ reason: '' });
  });

  it('given drift asked for on a dataset version, then it is POSTed to the model', async () => {
    makeRequest.mockResolvedValue(ok({ id: 5 }));
    await client.checkModelDrift('team/churn', {
      dataset: 'churn-train@v2',
      alias: 'champion'
    });
    expect(calledUrl()).toBe(`${API}models/team%2Fchurn/drift`);
    expect(JSON.parse(calledInit().body as string)).toEqual({
      dataset: 'churn-train@v2',
      alias: 'champion'
    });
  });

  it('given an alias to move, then it is PUT with its version', async () => {
    makeRequest.mockResolvedValue(ok({ version: 2 }));
    await client.setModelAlias('churn', 'staging', 2);
    expect(calledUrl()).toBe(`${API}models/churn/aliases/staging`);
    expect(calledInit().method).toBe('PUT');
    expect(JSON.parse(calledInit().body as string)).toEqual({ version: 2 });
  });
});
