import { APIError } from '../api/request';
import { IDatasetVersionSummary, IListRunsQuery } from '../api/types';
import {
  findDatasetVersion,
  findLineageTarget,
  findRunId
} from '../runs/findRun';
import { makeRun } from './runsFixtures';

const IDS = [
  '3f9a1c00000000000000000000000001',
  '3f9a1c00000000000000000000000002',
  'abcdef12345678900000000000000000'
];

/** A fake `GET runs` that answers the `id = ...` and `id LIKE '...%'` filters. */
function runsClient() {
  const queries: IListRunsQuery[] = [];
  return {
    queries,
    listRuns: async (query: IListRunsQuery) => {
      queries.push(query);
      const filter = query.filter ?? '';
      const exact = /^id = '(.*)'$/.exec(filter);
      const prefix = /^id LIKE '(.*)%'$/.exec(filter);
      const ids = IDS.filter(id =>
        exact ? id === exact[1] : prefix ? id.startsWith(prefix[1]) : true
      ).slice(0, query.page_size ?? 100);
      return {
        runs: ids.map((id, i) => makeRun(i, { id })),
        next_page_token: null,
        columns: { params: [], metrics: [], tags: [] },
        warnings: []
      };
    }
  };
}

function version(
  id: number,
  number: number,
  dataset = 'breast-cancer'
): IDatasetVersionSummary {
  return {
    id,
    dataset,
    version: number,
    fingerprint: 'f'.repeat(32),
    role: null,
    n_rows: 10,
    n_columns: 2,
    parent_version_id: null,
    created_at: number
  };
}

const datasetsClient = {
  listDatasetVersions: async (name: string) => {
    if (name === 'breast-cancer') {
      return [version(1, 1), version(4, 2), version(9, 3)];
    }
    throw new APIError(
      `no dataset named '${name}'; datasets: breast-cancer`,
      404
    );
  }
};

describe('finding a run by id', () => {
  it('given the first 6 characters of one run id, then its full id is found, deleted runs included and no columns asked', async () => {
    const client = runsClient();
    await expect(findRunId(client, ' ABCDEF ')).resolves.toBe(IDS[2]);
    expect(client.queries[0]).toEqual({
      filter: "id LIKE 'abcdef%'",
      page_size: 2,
      include_deleted: true,
      params: '',
      metrics: '',
      tags: ''
    });
  });

  it('given a full id, then it is looked up exactly', async () => {
    const client = runsClient();
    await expect(findRunId(client, IDS[0])).resolves.toBe(IDS[0]);
    expect(client.queries[0].filter).toBe(`id = '${IDS[0]}'`);
  });

  it('given the start of several ids, then more of it is asked for', async () => {
    await expect(findRunId(runsClient(), '3f9a1c')).rejects.toThrow(
      '3f9a1c starts the ids of several runs: give more of the id.'
    );
  });

  it('given an id of no run, then it says so', async () => {
    await expect(findRunId(runsClient(), '000000')).rejects.toThrow(
      "No run's id starts with 000000."
    );
  });

  it('given text that is no id, then the server is not asked and the form of an id is explained', async () => {
    const client = runsClient();
    await expect(findRunId(client, "x' OR 1=1")).rejects.toThrow(
      /is not a run id: a run id is 32 hexadecimal characters/
    );
    await expect(findRunId(client, 'abc')).rejects.toThrow(/first 6 or more/);
    expect(client.queries).toHaveLength(0);
  });
});

describe('finding a lineage target', () => {
  it('given name@v2, then that version of the dataset is found', async () => {
    await expect(
      findDatasetVersion(datasetsClient, 'breast-cancer@v2')
    ).resolves.toMatchObject({ id: 4 });
  });

  it('given a dataset name, then its latest version is found', async () => {
    await expect(
      findLineageTarget({ ...runsClient(), ...datasetsClient }, 'breast-cancer')
    ).resolves.toEqual({ kind: 'dataset_version', nodeId: '9' });
  });

  it('given a version the dataset does not have, then its versions are named', async () => {
    await expect(
      findDatasetVersion(datasetsClient, 'breast-cancer@v7')
    ).rejects.toThrow('breast-cancer has versions v1 to v3, not v7.');
  });

  it('given a run id prefix, then the run is found', async () => {
    await expect(
      findLineageTarget({ ...runsClient(), ...datasetsClient }, 'abcdef1')
    ).resolves.toEqual({ kind: 'run', nodeId: IDS[2] });
  });

  it('given what is neither, then both misses are said, the server naming the datasets', async () => {
    await expect(
      findLineageTarget({ ...runsClient(), ...datasetsClient }, 'deadbeef')
    ).rejects.toThrow(
      "No run's id starts with deadbeef. no dataset named 'deadbeef'; datasets: breast-cancer"
    );
    await expect(
      findLineageTarget({ ...runsClient(), ...datasetsClient }, '  ')
    ).rejects.toThrow(/Type a run's id/);
  });
});
