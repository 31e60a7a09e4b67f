import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';
import { act } from '@testing-library/react';

import { IMlopsClient } from '../api/token';
import { MlopsPanel } from '../panel/MlopsPanel';
import { addPanelCommands, PALETTE_CATEGORY } from '../panel/panelCommands';
import { CommandIDs } from '../shared/commands';
import { FakeJobsClient } from './jobsFixtures';
import { emptyModelsClient } from './modelsFixtures';
import { FakeRunsClient, makeRuns, settle } from './runsFixtures';

/** The panel over 30 runs, its commands in a registry, a palette that records. */
async function setup() {
  const runs = new FakeRunsClient(makeRuns(30));
  const client = {
    listRuns: runs.listRuns,
    countRuns: runs.countRuns,
    listDatasets: jest.fn(async () => []),
    listDatasetVersions: jest.fn(async () => []),
    getDatasetVersion: jest.fn(),
    ...new FakeJobsClient(),
    ...emptyModelsClient(),
    getStatus: jest.fn(async () => {
      throw new Error('not asked here');
    })
  };
  const commands = new CommandRegistry();
  const executed: [string, unknown][] = [];
  // The views the commands open are stand-ins that record what was asked.
  for (const id of [CommandIDs.compareRuns, CommandIDs.openRun]) {
    commands.addCommand(id, {
      execute: args => {
        executed.push([id, args]);
      }
    });
  }
  const panel = new MlopsPanel({
    client,
    commands,
    settings: { pageSize: 50, refreshInterval: 0 }
  });
  panel.id = 'mlops-jlab-panel';
  const app = {
    commands,
    shell: { activateById: jest.fn() },
    contextMenu: { addItem: jest.fn() }
  };
  const palette = { addItem: jest.fn() };
  addPanelCommands(
    app as any,
    panel,
    client as unknown as IMlopsClient,
    palette as any
  );
  await act(async () => {
    Widget.attach(panel, document.body);
    await settle(10);
  });
  return { runs, panel, commands, app, palette, executed };
}

describe('the panel in the command palette', () => {
  it('given the panel, then what it does is in the palette under MLOps', async () => {
    const { palette, panel } = await setup();
    const listed = palette.addItem.mock.calls.map(([item]) => item);
    expect(listed.every(item => item.category === PALETTE_CATEGORY)).toBe(true);
    expect(listed.map(item => item.command)).toEqual([
      CommandIDs.openPanel,
      CommandIDs.compareSelected,
      CommandIDs.openRunById,
      CommandIDs.openLineageOf,
      CommandIDs.filterRuns,
      CommandIDs.toggleStaleRuns,
      CommandIDs.toggleDeletedRuns
    ]);
    act(() => panel.dispose());
  });

  it('given fewer than two runs ticked, then Compare the Selected Runs waits; with two it compares them, and says how many', async () => {
    const { panel, commands, executed } = await setup();
    expect(commands.isEnabled(CommandIDs.compareSelected)).toBe(false);
    act(() => {
      panel.runs.toggleSelected(0);
      panel.runs.toggleSelected(3);
    });
    expect(commands.isEnabled(CommandIDs.compareSelected)).toBe(true);
    expect(commands.label(CommandIDs.compareSelected)).toBe(
      'Compare the 2 Selected Runs'
    );
    await commands.execute(CommandIDs.compareSelected);
    expect(executed).toEqual([
      [
        CommandIDs.compareRuns,
        { runIds: [panel.runs.rows[0].id, panel.runs.rows[3].id] }
      ]
    ]);
    act(() => panel.dispose());
  });

  it('given the stale and deleted toggles, then each asks for its runs and says whether it is on', async () => {
    const { panel, commands, runs, app } = await setup();
    await act(async () => {
      await commands.execute(CommandIDs.toggleStaleRuns);
    });
    expect(app.shell.activateById).toHaveBeenCalledWith('mlops-jlab-panel');
    expect(commands.isToggled(CommandIDs.toggleStaleRuns)).toBe(true);
    expect(runs.queries[runs.queries.length - 1].stale).toBe(true);
    await act(async () => {
      await commands.execute(CommandIDs.toggleDeletedRuns);
    });
    expect(commands.isToggled(CommandIDs.toggleDeletedRuns)).toBe(true);
    expect(runs.queries[runs.queries.length - 1]).toMatchObject({
      stale: true,
      include_deleted: true
    });
    await act(async () => {
      await commands.execute(CommandIDs.toggleStaleRuns);
    });
    expect(commands.isToggled(CommandIDs.toggleStaleRuns)).toBe(false);
    act(() => panel.dispose());
  });

  it('given a filter as the argument, then Filter the Runs applies it', async () => {
    const { panel, commands, runs } = await setup();
    await act(async () => {
      await commands.execute(CommandIDs.filterRuns, {
        filter: " status = 'failed' "
      });
      await settle(10);
    });
    expect(runs.queries[runs.queries.length - 1].filter).toBe(
      "status = 'failed'"
    );
    expect(panel.runs.query.filter).toBe("status = 'failed'");
    act(() => panel.dispose());
  });
});
