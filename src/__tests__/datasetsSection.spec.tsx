import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import {
  IDatasetSummary,
  IDatasetVersionDetail,
  IDatasetVersionSummary
} from '../api/types';
import { DatasetsModel } from '../datasets/datasetsModel';
import { DatasetsSection } from '../datasets/DatasetsSection';
import { CommandIDs } from '../shared/commands';

const DAY = 24 * 3600 * 1000;
const now = Date.now();

function version(
  id: number,
  number: number,
  fields: Partial<IDatasetVersionSummary> = {}
): IDatasetVersionSummary {
  return {
    id,
    dataset: 'iris',
    version: number,
    fingerprint: `${id}f0e1d2c3b4a5968778695a4b3c2d1e0f`,
    role: 'train',
    n_rows: 100 * number,
    n_columns: 5,
    parent_version_id: null,
    created_at: now - (10 - number) * DAY,
    ...fields
  };
}

const datasets: IDatasetSummary[] = [
  { name: 'iris', source: 'data/iris.csv', versions: 3, latest_at: now - DAY },
  { name: 'wine', source: null, versions: 1, latest_at: now - 2 * DAY }
];

const versions: Record<string, IDatasetVersionSummary[]> = {
  // Oldest first, as the server lists them.
  iris: [version(4, 1), version(7, 2), version(9, 3)],
  wine: [version(5, 1, { dataset: 'wine', role: null })]
};

function detailOf(id: number): IDatasetVersionDetail {
  const summary = versions.iris.find(v => v.id === id)!;
  return {
    ...summary,
    source: 'data/iris.csv',
    columns: [
      { name: 'sepal_length', dtype: 'float64' },
      { name: 'species', dtype: 'object' }
    ],
    profile: {
      sepal_length: {
        kind: 'numeric',
        dtype: 'float64',
        count: 98,
        nulls: 2,
        null_fraction: 0.02,
        min: 4.3,
        max: 7.9,
        mean: 5.843
      },
      species: {
        kind: 'categorical',
        dtype: 'object',
        count: 100,
        nulls: 0,
        null_fraction: 0,
        top_values: [
          { value: 'setosa', count: 50 },
          { value: '<b>virginica</b>', count: 30 },
          { value: 'versicolor', count: 20 }
        ],
        other: 0
      }
    },
    written_by: [],
    read_by: 4,
    same_content:
      id === 7 ? [{ id: 12, dataset: 'flowers.ipynb:train', version: 1 }] : []
  };
}

function fakeClient() {
  return {
    listDatasets: jest.fn(async () => datasets),
    listDatasetVersions: jest.fn(async (name: string) => versions[name]),
    getDatasetVersion: jest.fn(async (id: number) => detailOf(id))
  };
}

async function renderSection(client = fakeClient()) {
  const model = new DatasetsModel(client);
  const commands = { execute: jest.fn(async () => undefined) };
  let container: HTMLElement = document.body;
  await act(async () => {
    ({ container } = render(
      <DatasetsSection model={model} commands={commands} />
    ));
    await model.load();
  });
  return { client, model, commands, container };
}

async function expand(container: HTMLElement, name: string): Promise<void> {
  await act(async () => {
    fireEvent.click(
      container.querySelector(`[data-dataset="${name}"]`) as HTMLElement
    );
  });
}

function versionRow(container: HTMLElement, id: number): HTMLElement {
  return container.querySelector(`[data-version-id="${id}"]`) as HTMLElement;
}

describe('DatasetsSection', () => {
  it('given datasets, then each shows its number of versions', async () => {
    const { container } = await renderSection();

    const iris = container.querySelector('[data-dataset="iris"]')!;
    expect(iris.textContent).toContain('3 versions');
    expect(
      container.querySelector('[data-dataset="wine"]')!.textContent
    ).toContain('1 version');
  });

  it('given a dataset, when expanded, then its versions show newest first with rows, role and a short fingerprint', async () => {
    const { container, client } = await renderSection();

    await expand(container, 'iris');

    expect(client.listDatasetVersions).toHaveBeenCalledWith('iris');
    const ids = Array.from(
      container.querySelectorAll<HTMLElement>('[data-version-id]')
    ).map(row => row.dataset.versionId);
    expect(ids).toEqual(['9', '7', '4']);
    const newest = versionRow(container, 9);
    expect(newest.textContent).toContain('v3');
    expect(newest.textContent).toContain('300 rows × 5 cols');
    expect(newest.textContent).toContain('train');
    expect(within(newest).getByText('9f0e1d2c')).toBeTruthy();
  });

  it('given a version, when selected, then its schema and a profile per column show, as text', async () => {
    const { container, client } = await renderSection();
    await expand(container, 'iris');

    await act(async () => {
      fireEvent.click(
        within(versionRow(container, 7)).getByRole('button', {
          name: 'Version 2 of iris: show its schema'
        })
      );
    });

    expect(client.getDatasetVersion).toHaveBeenCalledWith(7);
    const schema = screen.getByRole('group', {
      name: 'Schema of iris version 2'
    });
    expect(within(schema).getByText('sepal_length')).toBeTruthy();
    expect(within(schema).getByText('float64')).toBeTruthy();
    expect(within(schema).getByText('2 (2%)')).toBeTruthy();
    expect(
      within(schema).getByText('min 4.3 · max 7.9 · mean 5.843')
    ).toBeTruthy();
    expect(
      within(schema).getByText(
        'setosa (50), <b>virginica</b> (30), versicolor (20)'
      )
    ).toBeTruthy();
    expect(schema.querySelector('b')).toBeNull();
    expect(
      within(schema).getByText('Same content as flowers.ipynb:train v1')
    ).toBeTruthy();
  });

  it('given a version no other dataset shares, then it names no other', async () => {
    const { container } = await renderSection();
    await expand(container, 'iris');

    await act(async () => {
      fireEvent.click(
        within(versionRow(container, 4)).getByRole('button', {
          name: 'Version 1 of iris: show its schema'
        })
      );
    });

    const schema = screen.getByRole('group', {
      name: 'Schema of iris version 1'
    });
    expect(within(schema).queryByText(/Same content as/)).toBeNull();
  });

  it('given a schema in the narrow panel, then each column takes two lines: name, type and nulls, then its profile across the width, in full on hover', async () => {
    const { container } = await renderSection();
    await expand(container, 'iris');
    await act(async () => {
      fireEvent.click(
        within(versionRow(container, 7)).getByRole('button', {
          name: 'Version 2 of iris: show its schema'
        })
      );
    });
    const schema = screen.getByRole('group', {
      name: 'Schema of iris version 2'
    });
    // Three narrow header columns, none for the profile, which would be pushed aside.
    expect(
      within(schema)
        .getAllByRole('columnheader')
        .map(h => h.textContent)
    ).toEqual(['Column', 'Type', 'Nulls']);
    const column = schema.querySelector<HTMLElement>(
      '[data-column="sepal_length"]'
    )!;
    const [first, second] = Array.from(column.querySelectorAll('tr'));
    expect(within(first).getByRole('rowheader').textContent).toBe(
      'sepal_length'
    );
    expect(first.textContent).toContain('float64');
    const profile = second.querySelector('td')!;
    expect(profile.colSpan).toBe(3);
    expect(profile.getAttribute('title')).toBe(
      'min 4.3 · max 7.9 · mean 5.843'
    );
  });

  it('given one version ticked, then Diff waits; with two, it diffs the older against the newer', async () => {
    const { container, commands } = await renderSection();
    await expand(container, 'iris');
    const diff = screen.getByRole('button', { name: 'Diff' });
    expect((diff as HTMLButtonElement).disabled).toBe(true);

    await act(async () => {
      fireEvent.click(within(versionRow(container, 9)).getByRole('checkbox'));
    });
    expect((diff as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      fireEvent.click(within(versionRow(container, 4)).getByRole('checkbox'));
    });
    expect((diff as HTMLButtonElement).disabled).toBe(false);

    fireEvent.click(diff);
    expect(commands.execute).toHaveBeenCalledWith(
      CommandIDs.diffDatasetVersions,
      { a: 4, b: 9 }
    );
  });

  it('given a version, when its Lineage button is clicked, then its lineage opens', async () => {
    const { container, commands } = await renderSection();
    await expand(container, 'wine');

    fireEvent.click(
      within(versionRow(container, 5)).getByRole('button', {
        name: /Lineage/
      })
    );

    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openLineage, {
      kind: 'dataset_version',
      nodeId: '5'
    });
  });

  it('given no datasets, then it says how they are recorded', async () => {
    const client = fakeClient();
    client.listDatasets.mockResolvedValueOnce([]);
    await renderSection(client);

    expect(screen.getByText(/No datasets yet/)).toBeTruthy();
  });

  it('given a failing server, then its message is shown', async () => {
    const client = fakeClient();
    client.listDatasets.mockRejectedValueOnce(
      new Error('Cannot reach the Jupyter server: refused')
    );
    await renderSection(client);

    expect(screen.getByRole('alert').textContent).toBe(
      'Cannot reach the Jupyter server: refused'
    );
  });
});
