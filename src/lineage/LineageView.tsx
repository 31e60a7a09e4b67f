import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { ILineage, LineageKind } from '../api/types';
import { IViewContext } from '../shared/commands';
import { ITitle } from '../shared/titles';
import { LineageExplorer } from './LineageExplorer';

/**
 * The lineage graph around a run, dataset version, artifact or model version, in the
 * main area.
 */
export class LineageView extends ReactWidget {
  constructor(
    readonly context: IViewContext,
    readonly kind: LineageKind,
    readonly nodeId: string
  ) {
    super();
    this.addClass('jp-MlopsLineage-widget');
    // Asked now rather than once React has drawn the view: the answer arrives sooner.
    this.initial = context.client.getLineage(kind, nodeId, {
      direction: 'both'
    });
    // Its failure is shown by the view; not an unhandled rejection meanwhile.
    this.initial.catch(() => undefined);
  }

  /** The graph at the view's first depth, asked for when the view was created. */
  readonly initial: Promise<ILineage>;

  protected render(): JSX.Element {
    return (
      <LineageExplorer
        context={this.context}
        kind={this.kind}
        nodeId={this.nodeId}
        initial={this.initial}
        onTitle={this._onTitle}
      />
    );
  }

  /** The tab is named after the node the graph is drawn around. */
  private _onTitle = (title: ITitle): void => {
    this.title.label = title.label;
    this.title.caption = title.caption;
  };
}
