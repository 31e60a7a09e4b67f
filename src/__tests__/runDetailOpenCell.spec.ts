import { projectFolder, serverPaths } from '../runs/openCellPlugin';

describe('Open cell: where a run names its notebook against where the server has it', () => {
  it('given a store in the server root, then the recorded path is the server path', () => {
    expect(
      serverPaths(
        'notebooks/train.ipynb',
        'sqlite:////home/ada/project/.mlops/mlops.sqlite',
        '/home/ada/project'
      )
    ).toEqual(['notebooks/train.ipynb']);
  });

  it('given a store above the server root, then the path is made relative to the root', () => {
    expect(
      serverPaths(
        'sub/train.ipynb',
        'sqlite:////home/ada/project/.mlops/mlops.sqlite',
        '/home/ada/project/sub'
      )
    ).toEqual(['train.ipynb', 'sub/train.ipynb']);
  });

  it('given a store without a project folder, then an absolute path under the root is made relative', () => {
    expect(
      serverPaths(
        '/srv/work/exp/train.ipynb',
        'postgresql://db/mlops',
        '/srv/work'
      )
    ).toEqual(['exp/train.ipynb']);
  });

  it('given an absolute path outside the root, then there is no path to try', () => {
    expect(serverPaths('/elsewhere/train.ipynb', null, '/srv/work')).toEqual(
      []
    );
  });

  it('given an unknown store, then the recorded path is tried as it is', () => {
    expect(serverPaths('train.ipynb', null, '')).toEqual(['train.ipynb']);
  });

  it('given store URLs, then only a SQLite file in .mlops has a project folder', () => {
    expect(projectFolder('sqlite:////home/ada/p/.mlops/mlops.sqlite')).toBe(
      '/home/ada/p'
    );
    expect(projectFolder('sqlite:////tmp/x/mlops.sqlite')).toBeNull();
    expect(
      projectFolder('sqlite:///C:/work/.mlops/mlops.sqlite?timeout=5')
    ).toBe('C:/work');
    expect(projectFolder('postgresql://db/mlops')).toBeNull();
    expect(projectFolder(null)).toBeNull();
  });
});
