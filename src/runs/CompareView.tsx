import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { IViewContext } from '../shared/commands';
import { compareTitle } from '../shared/titles';
import { Compare } from './Compare';

/**
 * The compare view: runs side by side, in the main area.
 */
export class CompareView extends ReactWidget {
  constructor(
    readonly context: IViewContext,
    readonly runIds: string[]
  ) {
    super();
    this.addClass('jp-MlopsCompareView');
  }

  protected render(): JSX.Element {
    return (
      <Compare
        client={this.context.client}
        commands={this.context.commands}
        rendermime={this.context.rendermime}
        runIds={this.runIds}
        onNames={this._onNames}
      />
    );
  }

  /** The tab is named after the runs compared. */
  private _onNames = (names: string[]): void => {
    const title = compareTitle(names);
    this.title.label = title.label;
    this.title.caption = title.caption;
  };
}
