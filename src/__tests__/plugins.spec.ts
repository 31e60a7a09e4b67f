import { MainAreaWidget } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';

import { MlopsClient } from '../api/client';
import { clientPlugin } from '../api/clientPlugin';
import plugins, { IMlopsClient } from '../index';
import { comparePlugin } from '../runs/comparePlugin';
import { CompareView } from '../runs/CompareView';
import { CommandIDs } from '../shared/commands';

describe('the plugins', () => {
  it('given the extension, then one plugin provides the API client and every other requires it', () => {
    const providers = plugins.filter(
      plugin => plugin.provides === IMlopsClient
    );
    expect(providers).toEqual([clientPlugin]);
    for (const plugin of plugins.filter(p => p !== clientPlugin)) {
      expect(plugin.requires).toContain(IMlopsClient);
    }
  });

  it('given the client plugin, when activated, then it provides a client of the REST API', () => {
    const client = clientPlugin.activate({} as any);
    expect(client).toBeInstanceOf(MlopsClient);
  });

  it('given the shared client, when a view opens, then the view reads through it', async () => {
    const app = {
      commands: new CommandRegistry(),
      shell: { add: jest.fn(), activateById: jest.fn() }
    };
    const client = { compareRuns: jest.fn() } as unknown as IMlopsClient;
    comparePlugin.activate(app as any, client, null, null);

    const view = (await app.commands.execute(CommandIDs.compareRuns, {
      runIds: ['a', 'b']
    })) as MainAreaWidget<CompareView>;

    expect(view.content.context.client).toBe(client);
    view.dispose();
  });

  it('given a comparison open, when the same runs are compared again in another order, then the open tab is focused instead of a second one', async () => {
    const app = {
      commands: new CommandRegistry(),
      shell: { add: jest.fn(), activateById: jest.fn() }
    };
    const client = {
      compareRuns: jest.fn(() => new Promise(() => undefined))
    } as unknown as IMlopsClient;
    comparePlugin.activate(app as any, client, null, null);

    const first = (await app.commands.execute(CommandIDs.compareRuns, {
      runIds: ['a', 'b', 'c']
    })) as MainAreaWidget<CompareView>;
    const again = await app.commands.execute(CommandIDs.compareRuns, {
      runIds: ['c', 'a', 'b']
    });

    expect(again).toBe(first);
    expect(app.shell.add).toHaveBeenCalledTimes(1);
    expect(app.shell.activateById).toHaveBeenLastCalledWith(first.id);
    // Until the runs are known, the tab says how many; no id shows.
    expect(first.title.label).toBe('Compare 3 runs');
    first.dispose();
  });
});
