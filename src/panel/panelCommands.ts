import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { COMPARE_MAX, COMPARE_MIN } from '../api/limits';
import { IMlopsClient } from '../api/token';
import { findLineageTarget, findRunId } from '../runs/findRun';
import { RUN_ROW_SELECTOR } from '../runs/runEditPlugin';
import { CommandIDs, IShowDatasetVersionArgs } from '../shared/commands';
import { editInDialog } from '../shared/EditDialog';
import { IJobArgs, JobsCommandIDs } from '../pipelines/commands';
import { MlopsPanel } from './MlopsPanel';

/** The command palette's category of the extension's commands. */
export const PALETTE_CATEGORY = 'MLOps';

/**
 * The commands for what the panel does, in the command palette: compare the selected
 * runs, open a run by id, open the lineage of a run or dataset, filter the runs, show
 * only stale runs or deleted ones too; and the panel's part of the runs' context menu.
 */
export function addPanelCommands(
  app: JupyterFrontEnd,
  panel: MlopsPanel,
  client: IMlopsClient,
  palette: ICommandPalette | null
): void {
  const { commands, shell } = app;
  const model = panel.runs;
  const showPanel = () => shell.activateById(panel.id);
  const selectedCount = () => model.selected.length;
  // Enabled states and toggles follow the panel.
  model.changed.connect(() => commands.notifyCommandChanged());

  commands.addCommand(CommandIDs.compareSelected, {
    label: () =>
      selectedCount() >= COMPARE_MIN
        ? `Compare the ${selectedCount()} Selected Runs`
        : 'Compare the Selected Runs',
    caption: `Compare the runs ticked in the MLOps panel (${COMPARE_MIN} to ${COMPARE_MAX})`,
    isEnabled: () =>
      selectedCount() >= COMPARE_MIN && selectedCount() <= COMPARE_MAX,
    execute: () =>
      commands.execute(CommandIDs.compareRuns, { runIds: [...model.selected] })
  });

  commands.addCommand(CommandIDs.openRunById, {
    label: 'Open a Run by Id…',
    caption: 'Open a run by its id, or the first 6 or more characters of it',
    execute: () =>
      editInDialog({
        title: 'Open a run',
        label: 'Run id',
        hint: 'The first 6 or more characters of the id will do.',
        value: '',
        okLabel: 'Open',
        apply: async text => {
          const runId = await findRunId(client, text);
          return commands.execute(CommandIDs.openRun, { runId });
        }
      })
  });

  commands.addCommand(CommandIDs.openLineageOf, {
    label: 'Open the Lineage of a Run or Dataset…',
    caption:
      'The lineage graph around a run (by id) or a dataset version (name or name@v2)',
    execute: () =>
      editInDialog({
        title: 'Open a lineage',
        label: 'Run id, dataset name, or name@v2',
        hint: "A run's id (its first 6 characters will do), a dataset's name for its latest version, or name@v2 for another.",
        value: '',
        okLabel: 'Open',
        apply: async text => {
          const target = await findLineageTarget(client, text);
          return commands.execute(CommandIDs.openLineage, { ...target });
        }
      })
  });

  commands.addCommand(CommandIDs.filterRuns, {
    label: 'Filter the Runs',
    caption:
      'Show the MLOps panel with the cursor in its filter box (args: filter to apply one)',
    execute: args => {
      showPanel();
      panel.focusFilter(
        typeof args.filter === 'string' ? args.filter : undefined
      );
    }
  });

  commands.addCommand(CommandIDs.toggleStaleRuns, {
    label: 'Show Only Stale Runs',
    caption:
      'Runs whose input data has a newer version, or whose cell changed since',
    isToggled: () => model.requestedQuery.staleOnly,
    execute: () => {
      showPanel();
      panel.section = 'runs';
      return model.setQuery({ staleOnly: !model.requestedQuery.staleOnly });
    }
  });

  commands.addCommand(CommandIDs.toggleDeletedRuns, {
    label: 'Show Deleted Runs',
    caption: 'List deleted runs too, to restore them',
    isToggled: () => model.requestedQuery.includeDeleted,
    execute: () => {
      showPanel();
      panel.section = 'runs';
      return model.setQuery({
        includeDeleted: !model.requestedQuery.includeDeleted
      });
    }
  });

  commands.addCommand(CommandIDs.showDatasetVersion, {
    label: 'Show the Dataset Version',
    execute: args => {
      const { dataset, versionId } = args as IShowDatasetVersionArgs;
      if (typeof dataset !== 'string' || typeof versionId !== 'number') {
        return;
      }
      showPanel();
      return panel.showDatasetVersion(dataset, versionId);
    }
  });

  commands.addCommand(JobsCommandIDs.showJob, {
    label: 'Show the Job',
    execute: args => {
      const { jobId } = args as Partial<IJobArgs>;
      showPanel();
      return panel.showJob(typeof jobId === 'string' ? jobId : null);
    }
  });

  app.contextMenu.addItem({
    command: CommandIDs.compareSelected,
    selector: RUN_ROW_SELECTOR,
    rank: 3
  });

  if (palette) {
    for (const command of [
      CommandIDs.openPanel,
      CommandIDs.compareSelected,
      CommandIDs.openRunById,
      CommandIDs.openLineageOf,
      CommandIDs.filterRuns,
      CommandIDs.toggleStaleRuns,
      CommandIDs.toggleDeletedRuns
    ]) {
      palette.addItem({ command, category: PALETTE_CATEGORY });
    }
  }
}
