import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { IMlopsClient } from '../api/token';
import { IViewContext } from './commands';
import { mlopsIcon } from './icons';

/** How a kind of main-area view is opened, named and restored. */
export interface IViewSpec<A extends ReadonlyPartialJSONObject> {
  /** The command that opens the view; its arguments are `A`. */
  command: string;
  /** The command's label. */
  label: string;
  /** The tracker's namespace, and the prefix of the views' ids. */
  namespace: string;
  /** The tab's icon; the panel's by default. */
  icon?: LabIcon;
  /** One key per distinct view: opening the same arguments again activates it. */
  key(args: A): string;
  /** The tab's title until the view knows better (a run's name once it is loaded). */
  title(args: A): string;
  /** The view's content. */
  create(args: A): Widget;
  /** Whether the command's arguments are complete (a bad restore is skipped). */
  valid(args: ReadonlyPartialJSONObject): boolean;
}

/** A main-area view remembering the arguments it was opened with. */
class View<A extends ReadonlyPartialJSONObject> extends MainAreaWidget {
  constructor(
    content: Widget,
    readonly args: A
  ) {
    super({ content });
  }
}

/**
 * Register a kind of main-area view: its command, and a tracker that restores the open
 * views on reload.
 */
export function registerView<A extends ReadonlyPartialJSONObject>(
  app: JupyterFrontEnd,
  restorer: ILayoutRestorer | null,
  spec: IViewSpec<A>
): WidgetTracker<View<A>> {
  const tracker = new WidgetTracker<View<A>>({ namespace: spec.namespace });
  app.commands.addCommand(spec.command, {
    label: spec.label,
    icon: spec.icon ?? mlopsIcon,
    execute: raw => {
      if (!spec.valid(raw)) {
        console.warn(`${spec.command}: incomplete arguments`, raw);
        return;
      }
      const args = raw as A;
      const id = `${spec.namespace}-${spec.key(args)}`;
      const open = tracker.find(view => view.id === id);
      if (open) {
        app.shell.activateById(open.id);
        return open;
      }
      const content = spec.create(args);
      // The content names the tab: this title until it knows its run's or dataset's
      // name (the tab follows its content's title).
      if (!content.title.label) {
        content.title.label = spec.title(args);
        content.title.caption = content.title.label;
      }
      content.title.icon = spec.icon ?? mlopsIcon;
      const view = new View<A>(content, args);
      view.id = id;
      view.title.closable = true;
      void tracker.add(view);
      app.shell.add(view, 'main');
      app.shell.activateById(view.id);
      return view;
    }
  });
  if (restorer) {
    void restorer.restore(tracker, {
      command: spec.command,
      args: view => view.args,
      name: view => view.id
    });
  }
  return tracker;
}

/**
 * A plugin that registers one kind of main-area view, given what every view needs: the
 * API client, the commands and JupyterLab's renderers.
 */
export function viewPlugin<A extends ReadonlyPartialJSONObject>(
  id: string,
  description: string,
  spec: (context: IViewContext) => IViewSpec<A>
): JupyterFrontEndPlugin<void> {
  return {
    id,
    description,
    autoStart: true,
    requires: [IMlopsClient],
    optional: [ILayoutRestorer, IRenderMimeRegistry],
    activate: (
      app: JupyterFrontEnd,
      client: IMlopsClient,
      restorer: ILayoutRestorer | null,
      rendermime: IRenderMimeRegistry | null
    ) => {
      const context = { client, commands: app.commands, rendermime };
      registerView<A>(app, restorer, spec(context));
    }
  };
}
