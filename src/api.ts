import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import { IStatus } from './tokens';

/**
 * A typed client of the mlops-jlab REST API: one method per endpoint.
 */
export class MlopsClient {
  constructor(private readonly settings?: ServerConnection.ISettings) {}

  /** The server's version, its store and what the store holds. */
  getStatus(): Promise<IStatus> {
    return requestAPI<IStatus>('status', {}, this.settings);
  }
}
