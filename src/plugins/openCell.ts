import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookPanel } from '@jupyterlab/notebook';

import { CommandIDs, IOpenCellArgs } from '../commands';

/**
 * "Open cell": open the notebook a run came from and scroll to the cell that made it.
 */
export const openCellPlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:open-cell',
  description: 'Opens the notebook cell that made a run.',
  autoStart: true,
  requires: [IDocumentManager],
  activate: (app: JupyterFrontEnd, docManager: IDocumentManager) => {
    app.commands.addCommand(CommandIDs.openCell, {
      label: 'Open the cell that made this run',
      execute: async raw => {
        const { path, cellId } = raw as unknown as IOpenCellArgs;
        const widget = docManager.openOrReveal(path);
        if (!(widget instanceof NotebookPanel)) {
          throw new Error(`${path} is not a notebook this server can open`);
        }
        await widget.context.ready;
        await widget.revealed;
        const notebook = widget.content;
        const index = notebook.widgets.findIndex(
          cell => cell.model.id === cellId
        );
        if (index < 0) {
          throw new Error(
            `The cell that made this run is no longer in ${path}`
          );
        }
        notebook.activeCellIndex = index;
        await notebook.scrollToItem(index, 'center');
        return index;
      }
    });
  }
};
