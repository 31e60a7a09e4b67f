import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { IMlopsClient } from '../api/token';
import { CommandIDs, IOpenCellArgs } from '../shared/commands';

/** Whether a path is absolute (POSIX, or a Windows drive). */
function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:\//.test(path);
}

/** A path with `/` separators and no trailing one. */
function clean(path: string): string {
  const slashed = path.replace(/\\/g, '/');
  return slashed.length > 1 ? slashed.replace(/\/+$/, '') : slashed;
}

/**
 * The folder a store names notebooks relative to: the one holding a SQLite store's
 * `.mlops` folder (as `tracker.project_path` does); null for other stores, whose runs
 * name their notebooks by absolute path.
 */
export function projectFolder(storeUrl: string | null): string | null {
  if (!storeUrl || !storeUrl.startsWith('sqlite:///')) {
    return null;
  }
  const database = clean(storeUrl.slice('sqlite:///'.length).split('?')[0]);
  const parts = database.split('/');
  if (parts.length < 3 || parts[parts.length - 2] !== '.mlops') {
    return null;
  }
  return parts.slice(0, -2).join('/') || '/';
}

/**
 * The paths, relative to the Jupyter server's root, where a run's notebook may be, most
 * likely first. A run names its notebook relative to the store's project folder (or by
 * absolute path when the store has none), while the document manager wants a path
 * relative to the server's root; the two differ when the store lies above the root or
 * elsewhere.
 */
export function serverPaths(
  notebookPath: string,
  storeUrl: string | null,
  serverRoot: string
): string[] {
  const path = clean(notebookPath);
  const candidates: string[] = [];
  const project = projectFolder(storeUrl);
  const absolute = isAbsolute(path)
    ? path
    : project
      ? `${project === '/' ? '' : project}/${path}`
      : null;
  const root = clean(serverRoot);
  const prefix = root === '/' ? '/' : `${root}/`;
  if (absolute !== null && isAbsolute(root) && absolute.startsWith(prefix)) {
    candidates.push(absolute.slice(prefix.length));
  }
  if (!isAbsolute(path)) {
    candidates.push(path);
  }
  return [...new Set(candidates)];
}

/**
 * "Open cell": open the notebook a run came from and scroll to the cell that made it.
 */
export const openCellPlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:open-cell',
  description: 'Opens the notebook cell that made a run.',
  autoStart: true,
  requires: [IDocumentManager, IMlopsClient],
  optional: [INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    client: IMlopsClient,
    notebooks: INotebookTracker | null
  ) => {
    // The store does not move while the server runs: ask where it is once.
    let storeUrl: Promise<string | null> | null = null;
    const store = (): Promise<string | null> => {
      storeUrl ??= client.getStatus().then(
        status => status.store.url,
        () => {
          storeUrl = null; // try again next time
          return null;
        }
      );
      return storeUrl;
    };

    /** The first of the notebook's candidate paths that the server has. */
    const locate = async (path: string): Promise<string> => {
      const serverRoot = PageConfig.getOption('serverRoot');
      for (const candidate of serverPaths(path, await store(), serverRoot)) {
        try {
          await docManager.services.contents.get(candidate, { content: false });
          return candidate;
        } catch {
          // not there: try the next one
        }
      }
      throw new Error(
        `The notebook ${path} was not found under this server's root folder` +
          (serverRoot ? ` (${serverRoot})` : '')
      );
    };

    /** Activate the cell `cellId` of an opened notebook; its index, or -1. */
    const reveal = async (
      widget: NotebookPanel,
      cellId: string
    ): Promise<number> => {
      await widget.context.ready;
      const notebook = widget.content;
      const index = notebook.widgets.findIndex(
        cell => cell.model.id === cellId
      );
      if (index < 0) {
        return index;
      }
      app.shell.activateById(widget.id);
      await widget.revealed;
      notebook.activeCellIndex = index;
      await notebook.scrollToItem(index, 'center');
      return index;
    };

    app.commands.addCommand(CommandIDs.openCell, {
      label: 'Open the cell that made this run',
      execute: async raw => {
        const { path, cellId } = raw as unknown as IOpenCellArgs;
        let failure: Error;
        try {
          const widget = docManager.openOrReveal(await locate(path));
          if (!(widget instanceof NotebookPanel)) {
            throw new Error(`${path} is not a notebook this server can open`);
          }
          const index = await reveal(widget, cellId);
          if (index >= 0) {
            return index;
          }
          failure = new Error(
            `The cell that made this run is no longer in ${path}`
          );
        } catch (error) {
          failure = error as Error;
        }
        // A kernel learns its notebook's path when it starts: a notebook renamed or
        // moved since is recorded under its old path. If it is open, its cell is found
        // by id (cell ids are random, so another notebook is unlikely to hold it).
        const renamed = notebooks?.find(panel =>
          panel.content.widgets.some(cell => cell.model.id === cellId)
        );
        if (renamed) {
          return reveal(renamed, cellId);
        }
        throw failure;
      }
    });
  }
};
