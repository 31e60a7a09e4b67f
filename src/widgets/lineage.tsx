import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { IViewContext } from '../commands';
import { LineageKind } from '../tokens';

/** Scaffold: replaced by the real view. */
export class LineageView extends ReactWidget {
  constructor(
    readonly context: IViewContext,
    ...args: unknown[]
  ) {
    super();
    this.args = args;
  }
  readonly args: unknown[];
  protected render(): JSX.Element {
    return <div>{JSON.stringify(this.args as LineageKind[])}</div>;
  }
}
