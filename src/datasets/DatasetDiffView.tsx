import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { IViewContext } from '../shared/commands';
import { ITitle } from '../shared/titles';
import { DatasetDiff } from './DatasetDiff';

/**
 * The dataset diff view: version b of a dataset against version a, with schema
 * changes, profiles side by side and drift.
 */
export class DatasetDiffView extends ReactWidget {
  constructor(
    readonly context: IViewContext,
    readonly a: number,
    readonly b: number
  ) {
    super();
    this.addClass('jp-MlopsDatasetDiff-widget');
  }

  protected render(): JSX.Element {
    return (
      <DatasetDiff
        context={this.context}
        a={this.a}
        b={this.b}
        onTitle={this._onTitle}
      />
    );
  }

  /** The tab is named after the dataset and its versions. */
  private _onTitle = (title: ITitle): void => {
    this.title.label = title.label;
    this.title.caption = title.caption;
  };
}
