import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The path of the extension's REST API under the server's base URL. */
export const API_NAMESPACE = 'mlops-jlab/api';

/**
 * An error answered by the server, carrying its readable message and status.
 */
export class APIError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'APIError';
  }
}

/**
 * Call the mlops-jlab REST API.
 *
 * @param endPoint - the path under `{baseUrl}/mlops-jlab/api/`
 * @param init - the request's method, body and headers
 * @param settings - the server connection; JupyterLab's default when omitted
 * @returns the parsed JSON body
 * @throws APIError with the server's `message` when the answer is not OK
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new APIError(
      `Cannot reach the Jupyter server: ${(error as Error).message}`,
      0
    );
  }
  const text = await response.text();
  let body: any = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const message =
      body && typeof body.message === 'string'
        ? body.message
        : `The server answered ${response.status} ${response.statusText}`.trim();
    throw new APIError(message, response.status);
  }
  return body as T;
}
