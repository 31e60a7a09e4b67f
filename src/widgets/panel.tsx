import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { IStatusSource, StatusView } from '../components/StatusView';

/**
 * The left side panel of mlops-jlab.
 */
export class MlopsPanel extends ReactWidget {
  constructor(private readonly source: IStatusSource) {
    super();
    this.addClass('jp-MlopsPanel');
  }

  protected render(): JSX.Element {
    return <StatusView source={this.source} />;
  }
}
