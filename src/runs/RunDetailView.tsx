import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { IViewContext } from '../shared/commands';
import { runTitle } from '../shared/titles';
import { RunDetail } from './RunDetail';

/**
 * The run detail view: everything one run recorded, in the main area.
 */
export class RunDetailView extends ReactWidget {
  constructor(
    readonly context: IViewContext,
    readonly runId: string
  ) {
    super();
    this.addClass('jp-MlopsRunDetailView');
  }

  protected render(): JSX.Element {
    return (
      <RunDetail
        client={this.context.client}
        commands={this.context.commands}
        rendermime={this.context.rendermime}
        runId={this.runId}
        onName={this._onName}
      />
    );
  }

  /** The tab is named after the run, and follows a rename. */
  private _onName = (name: string): void => {
    const title = runTitle(name, this.runId);
    this.title.label = title.label;
    this.title.caption = title.caption;
  };
}
