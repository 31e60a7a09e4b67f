import { IJupyterLabPageFixture } from '@jupyterlab/galata';

/** A code cell: its source, and its tags (`parameters` for papermill). */
export interface ICell {
  source: string;
  tags?: string[];
}

/**
 * A notebook of code cells, written to the server before it is opened: a kernel learns
 * its notebook's path when it starts, so a notebook renamed later would be recorded
 * under its first name.
 */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  path: string,
  cells: (string | ICell)[]
): Promise<void> {
  const notebook = {
    cells: cells
      .map(cell => (typeof cell === 'string' ? { source: cell } : cell))
      .map((cell: ICell, index) => ({
        cell_type: 'code',
        id: `cell-${index}`,
        metadata: cell.tags ? { tags: cell.tags } : {},
        execution_count: null,
        outputs: [],
        source: cell.source
      })),
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', path);
  await page.notebook.openByPath(path);
  await page.notebook.activate(path.split('/').pop()!);
}
