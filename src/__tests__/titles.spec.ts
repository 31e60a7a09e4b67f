import { ILineageNode } from '../api/types';
import {
  compareTitle,
  datasetDiffTitle,
  lineageTitle,
  runTitle
} from '../shared/titles';

describe('tab titles', () => {
  it('given a run, then its tab is named after it, the id in the tooltip', () => {
    expect(runTitle('baseline', 'abc123')).toEqual({
      label: 'baseline',
      caption: 'Run baseline\nabc123'
    });
  });

  it('given runs compared, then the tab names them', () => {
    expect(compareTitle(['train', 'prepare']).label).toBe('train vs prepare');
    expect(compareTitle(['train', 'train', 'train']).label).toBe(
      'Compare 3 runs of train'
    );
    expect(compareTitle(['a', 'b', 'c', 'a', 'd']).label).toBe(
      'Compare a, b +2'
    );
    expect(compareTitle(['a', 'b', 'a']).label).toBe('Compare a, b');
    expect(compareTitle(['a', 'b', 'a']).caption).toBe(
      'Compare 3 runs: a, b, a'
    );
  });

  it('given a lineage, then the tab names its node: a run by name, a version as dataset vN', () => {
    const run: ILineageNode = {
      id: 'run:1',
      kind: 'run',
      label: 'train',
      name: 'train'
    };
    const version: ILineageNode = {
      id: 'dataset_version:5',
      kind: 'dataset_version',
      label: 'breast-cancer@v2',
      dataset: 'breast-cancer',
      version: 2
    };
    const model: ILineageNode = {
      id: 'model_version:3',
      kind: 'model_version',
      label: 'churn v1',
      model: 'churn',
      version: 1
    };
    expect(lineageTitle(run).label).toBe('Lineage of train');
    expect(lineageTitle(version).label).toBe('Lineage of breast-cancer v2');
    expect(lineageTitle(model).label).toBe('Lineage of churn v1');
  });

  it('given a dataset diff, then the tab names the dataset and both versions', () => {
    expect(
      datasetDiffTitle(
        { dataset: 'breast-cancer', version: 1 },
        { dataset: 'breast-cancer', version: 2 }
      ).label
    ).toBe('breast-cancer v1 \u2192 v2');
    expect(
      datasetDiffTitle(
        { dataset: 'train', version: 3 },
        { dataset: 'test', version: 1 }
      ).label
    ).toBe('train v3 \u2192 test v1');
  });
});
