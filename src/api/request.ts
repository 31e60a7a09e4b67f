import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The path of the extension's REST API under the server's base URL. */
export const API_NAMESPACE = 'mlops-jlab/api';

/**
 * An error answered by the server, carrying its readable message and status. A request
 * its caller aborted rejects with status 0 and the name `AbortError` (callers ignore it).
 */
export class APIError extends Error {
  constructor(
    message: string,
    readonly status: number,
    name: 'APIError' | 'AbortError' = 'APIError'
  ) {
    super(message);
    this.name = name;
  }
}

/** What a caller may add to a request: a signal that aborts it. */
export interface IRequestOptions {
  /** Aborting it cancels the request (and the server's query for it). */
  signal?: AbortSignal;
}

/** The error of a request whose signal was aborted, if it was. */
function abortedBy(signal: AbortSignal | null | undefined): APIError | null {
  return signal?.aborted
    ? new APIError('The request was aborted', 0, 'AbortError')
    : null;
}

/**
 * Call the mlops-jlab REST API.
 *
 * @param endPoint - the path under `{baseUrl}/mlops-jlab/api/`
 * @param init - the request's method, body, headers and abort signal
 * @param settings - the server connection; JupyterLab's default when omitted
 * @returns the parsed JSON body
 * @throws APIError with the server's `message` when the answer is not OK, or with
 *   status 0 and name `AbortError` when `init.signal` aborted the request
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
    throw (
      abortedBy(init.signal) ??
      new APIError(
        `Cannot reach the Jupyter server: ${(error as Error).message}`,
        0
      )
    );
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw abortedBy(init.signal) ?? error;
  }
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
