import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { IViewContext } from '../shared/commands';
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
      />
    );
  }
}
