import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { IMlopsClient } from '../api/token';
import { CommandIDs } from '../shared/commands';
import { editInDialog } from '../shared/EditDialog';
import { messageOf } from '../shared/ErrorMessage';
import { deleteWithUndo, restoreNotified } from './runActions';
import { noteUpdate, parseTags, tagChanges, tagsText } from './runEdits';

/** The rows of the runs table, where the run commands apply. */
export const RUN_ROW_SELECTOR = '.jp-MlopsRuns-row[data-run-id]';

/**
 * The run row a command was asked on: the focused one for a shortcut (its binding passes
 * `focused: true`), else the one under the context menu.
 */
function rowOf(
  app: JupyterFrontEnd,
  args: ReadonlyPartialJSONObject
): HTMLElement | null {
  if (args.focused === true) {
    return (
      document.activeElement?.closest<HTMLElement>('[data-run-id]') ?? null
    );
  }
  return (
    app.contextMenuHitTest(node => node.dataset.runId !== undefined) ?? null
  );
}

/** The run a command acts on: its `runId` argument, else the row it was asked on. */
function runIdOf(
  app: JupyterFrontEnd,
  args: ReadonlyPartialJSONObject
): string | null {
  if (typeof args.runId === 'string') {
    return args.runId;
  }
  return rowOf(app, args)?.dataset.runId ?? null;
}

/** Whether the row a command was asked on shows a deleted run. */
function rowDeleted(
  app: JupyterFrontEnd,
  args: ReadonlyPartialJSONObject
): boolean {
  return rowOf(app, args)?.dataset.deleted === 'true';
}

/**
 * The commands that edit a run, for the runs table's context menu (and F2 and Delete on
 * a focused row, whose bindings pass `focused: true`): open it, its lineage, rename it,
 * edit its tags and note in a dialog (a refused edit is explained in the dialog), delete
 * it with Undo, restore it.
 */
export const runEditPlugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jlab:run-edits',
  description:
    'Edit runs from the runs table: rename, tags, note, delete and restore.',
  autoStart: true,
  requires: [IMlopsClient],
  activate: (app: JupyterFrontEnd, client: IMlopsClient) => {
    const { commands } = app;
    /** Run `act` on the command's run; a failure is notified with the server's message. */
    const onRun =
      (act: (runId: string) => Promise<unknown>) =>
      async (args: ReadonlyPartialJSONObject) => {
        const runId = runIdOf(app, args);
        if (runId === null) {
          return;
        }
        try {
          await act(runId);
        } catch (reason) {
          Notification.error(messageOf(reason), { autoClose: false });
        }
      };
    const hasRun = (args: ReadonlyPartialJSONObject) =>
      runIdOf(app, args) !== null;

    commands.addCommand(CommandIDs.openRunOfRow, {
      label: 'Open Run',
      isEnabled: hasRun,
      execute: onRun(runId => commands.execute(CommandIDs.openRun, { runId }))
    });
    commands.addCommand(CommandIDs.lineageOfRow, {
      label: 'Show Lineage',
      isEnabled: hasRun,
      execute: onRun(runId =>
        commands.execute(CommandIDs.openLineage, { kind: 'run', nodeId: runId })
      )
    });
    commands.addCommand(CommandIDs.renameRun, {
      label: 'Rename Run…',
      caption: 'Give the run another name',
      isEnabled: args => hasRun(args) && !rowDeleted(app, args),
      execute: onRun(async runId => {
        const run = await client.getRun(runId);
        await editInDialog({
          title: `Rename run ${run.name}`,
          label: 'New name',
          value: run.name,
          okLabel: 'Rename',
          apply: text =>
            client.updateRun(runId, {
              name: text.trim() === '' ? text : text.trim()
            })
        });
      })
    });
    commands.addCommand(CommandIDs.editRunTags, {
      label: 'Edit Tags…',
      caption: 'Set, change or remove the run’s tags',
      isEnabled: args => hasRun(args) && !rowDeleted(app, args),
      execute: onRun(async runId => {
        const run = await client.getRun(runId);
        await editInDialog({
          title: `Tags of run ${run.name}`,
          label: 'Tags, one key=value per line',
          hint: 'Remove a line to remove its tag.',
          value: tagsText(run.tags),
          multiline: true,
          okLabel: 'Save',
          apply: async text => {
            const parsed = parseTags(text);
            if (parsed.error !== null) {
              throw new Error(parsed.error);
            }
            const changes = tagChanges(run.tags, parsed.tags);
            return Object.keys(changes).length === 0
              ? run
              : client.updateRun(runId, { tags: changes });
          }
        });
      })
    });
    commands.addCommand(CommandIDs.editRunNote, {
      label: 'Edit Note…',
      caption: 'Write a note on the run',
      isEnabled: args => hasRun(args) && !rowDeleted(app, args),
      execute: onRun(async runId => {
        const run = await client.getRun(runId);
        await editInDialog({
          title: `Note on run ${run.name}`,
          label: 'Note',
          hint: 'An empty note removes it.',
          value: run.note ?? '',
          multiline: true,
          okLabel: 'Save',
          apply: text => client.updateRun(runId, noteUpdate(text))
        });
      })
    });
    commands.addCommand(CommandIDs.deleteRun, {
      label: 'Delete Run',
      caption: 'Delete the run: it leaves the lists, and Undo restores it',
      isEnabled: args => hasRun(args) && !rowDeleted(app, args),
      isVisible: args => !rowDeleted(app, args),
      execute: onRun(runId => deleteWithUndo(client, runId))
    });
    commands.addCommand(CommandIDs.restoreRun, {
      label: 'Restore Run',
      caption: 'Undo the delete of this run',
      isEnabled: hasRun,
      isVisible: args => rowDeleted(app, args),
      execute: onRun(runId => restoreNotified(client, runId))
    });

    const items: [string, number][] = [
      [CommandIDs.openRunOfRow, 1],
      [CommandIDs.lineageOfRow, 2],
      [CommandIDs.renameRun, 10],
      [CommandIDs.editRunTags, 11],
      [CommandIDs.editRunNote, 12],
      [CommandIDs.deleteRun, 20],
      [CommandIDs.restoreRun, 21]
    ];
    for (const [command, rank] of items) {
      app.contextMenu.addItem({ command, selector: RUN_ROW_SELECTOR, rank });
    }
    app.contextMenu.addItem({
      type: 'separator',
      selector: RUN_ROW_SELECTOR,
      rank: 9
    });
    app.contextMenu.addItem({
      type: 'separator',
      selector: RUN_ROW_SELECTOR,
      rank: 19
    });
  }
};
