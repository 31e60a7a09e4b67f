import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, ToolbarButton } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { IJob } from '../api/types';
import { IMlopsClient } from '../api/token';
import { messageOf } from '../shared/ErrorMessage';
import { mlopsIcon } from '../shared/icons';
import { IJobArgs, JobsCommandIDs } from './commands';
import { outputPath } from './jobText';
import { runInDialog, showRefusal } from './PromoteDialog';

/**
 * The index of the cell a failed output notebook stopped at: the first code cell with an
 * error output (papermill puts a note above the notebook's cells, so the job's own index
 * may be one off), else the cell holding the failing source, else the job's index.
 */
export function failingCellIndex(
  cells: { type: string; source: string; hasError: boolean }[],
  job: Pick<IJob, 'failing_cell' | 'failing_source'>
): number | null {
  const withError = cells.findIndex(
    cell => cell.type === 'code' && cell.hasError
  );
  if (withError >= 0) {
    return withError;
  }
  if (job.failing_source) {
    const bySource = cells.findIndex(
      cell => cell.source.trim() === job.failing_source?.trim()
    );
    if (bySource >= 0) {
      return bySource;
    }
  }
  return job.failing_cell !== null && job.failing_cell < cells.length
    ? job.failing_cell
    : null;
}

/** Scroll an opened output notebook to its failing cell. */
async function revealFailure(panel: NotebookPanel, job: IJob): Promise<void> {
  await panel.context.ready;
  const notebook = panel.content;
  const cells = notebook.widgets.map(cell => {
    const outputs =
      cell.model.type === 'code'
        ? ((cell.model.toJSON() as any).outputs ?? [])
        : [];
    return {
      type: cell.model.type,
      source: cell.model.sharedModel.getSource(),
      hasError: outputs.some((output: any) => output.output_type === 'error')
    };
  });
  const index = failingCellIndex(cells, job);
  if (index === null) {
    return;
  }
  await panel.revealed;
  notebook.activeCellIndex = index;
  await notebook.scrollToItem(index, 'center');
}

/** The "Promote / run as job" button of a notebook's toolbar. */
class PromoteButtonExtension {
  constructor(private readonly _app: JupyterFrontEnd) {}

  createNew(panel: NotebookPanel): ToolbarButton {
    const button = new ToolbarButton({
      icon: mlopsIcon,
      label: 'Promote / run as job',
      tooltip:
        'Save this notebook, promote it to a pipeline and run it as a job (now, or a sweep)',
      className: 'jp-MlopsPromote-button',
      onClick: () =>
        void this._app.commands.execute(JobsCommandIDs.promoteNotebook, {
          path: panel.context.path
        })
    });
    panel.toolbar.insertAfter('cellType', 'mlops-promote', button);
    return button;
  }
}

/**
 * Pipelines from notebooks: the notebook toolbar's "Promote / run as job" (save, promote,
 * then a dialog to run the version now or sweep it), and opening a job's output notebook
 * (written under the server's root, then opened at its failing cell when it failed).
 */
export const jobsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:jobs',
  description:
    'Promote notebooks to pipelines, run them as jobs, open outputs.',
  autoStart: true,
  requires: [IMlopsClient, IDocumentManager],
  optional: [INotebookTracker, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    client: IMlopsClient,
    docManager: IDocumentManager,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null
  ) => {
    const { commands } = app;

    commands.addCommand(JobsCommandIDs.promoteNotebook, {
      label: 'Promote / Run Notebook as Job…',
      caption:
        'Save the notebook, promote it to a pipeline and run it as a job',
      isEnabled: () => !!notebooks?.currentWidget,
      execute: async args => {
        const path =
          typeof args.path === 'string'
            ? args.path
            : notebooks?.currentWidget?.context.path;
        const panel =
          notebooks?.find(widget => widget.context.path === path) ??
          notebooks?.currentWidget;
        if (!panel || !path) {
          return;
        }
        let version;
        try {
          await panel.context.save();
          version = await client.promotePipeline(panel.context.localPath);
        } catch (reason) {
          await showRefusal(
            `Cannot promote ${panel.context.localPath}`,
            messageOf(reason)
          );
          return;
        }
        const started = await runInDialog(version, client);
        if (started !== null) {
          await commands.execute(
            JobsCommandIDs.showJob,
            started.length > 0 ? { jobId: started[0].id } : {}
          );
        }
      }
    });

    commands.addCommand(JobsCommandIDs.openJobOutput, {
      label: "Open the Job's Output Notebook",
      execute: async args => {
        const { jobId } = args as IJobArgs;
        const job = await client.getJob(jobId);
        const path = outputPath(job);
        let exists = true;
        try {
          await docManager.services.contents.get(path, { content: false });
        } catch {
          exists = false;
        }
        if (!exists) {
          await client.saveJobOutput(jobId, path);
        }
        const widget = await commands.execute('docmanager:open', { path });
        if (
          widget instanceof NotebookPanel &&
          (job.failing_cell !== null || job.error !== null)
        ) {
          await revealFailure(widget, job);
        }
        return widget;
      }
    });

    palette?.addItem({
      command: JobsCommandIDs.promoteNotebook,
      category: 'MLOps'
    });

    app.docRegistry.addWidgetExtension(
      'Notebook',
      new PromoteButtonExtension(app)
    );
  }
};
