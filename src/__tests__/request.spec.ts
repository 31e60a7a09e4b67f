import { ServerConnection } from '@jupyterlab/services';

import { MlopsClient } from '../api/client';
import { APIError, requestAPI } from '../api/request';

const settings = ServerConnection.makeSettings({
  baseUrl: 'http://localhost:8888/lab-base/'
});

function answer(status: number, body: string): Response {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: status === 200 ? 'OK' : 'Error',
    text: async () => body
  } as unknown as Response;
}

describe('requestAPI', () => {
  let makeRequest: jest.SpyInstance;

  beforeEach(() => {
    makeRequest = jest.spyOn(ServerConnection, 'makeRequest');
  });

  afterEach(() => {
    makeRequest.mockRestore();
  });

  it('given an OK answer, when called, then it returns the parsed body from the API path', async () => {
    makeRequest.mockResolvedValue(answer(200, '{"version": "0.1.0"}'));
    const body = await requestAPI<{ version: string }>('status', {}, settings);
    expect(body.version).toBe('0.1.0');
    expect(makeRequest.mock.calls[0][0]).toBe(
      'http://localhost:8888/lab-base/mlops-jlab/api/status'
    );
  });

  it("given a 4xx answer with a message, then the error carries the server's message", async () => {
    makeRequest.mockResolvedValue(
      answer(400, '{"message": "expected a number at position 14"}')
    );
    const failure = requestAPI('runs', {}, settings);
    await expect(failure).rejects.toBeInstanceOf(APIError);
    await expect(failure).rejects.toMatchObject({
      message: 'expected a number at position 14',
      status: 400
    });
  });

  it('given an HTML error page, then the error is a readable sentence, not the HTML', async () => {
    makeRequest.mockResolvedValue(
      answer(502, '<html><body>Bad gateway</body></html>')
    );
    await expect(requestAPI('status', {}, settings)).rejects.toMatchObject({
      message: 'The server answered 502 Error',
      status: 502
    });
  });

  it('given an aborted signal, when the fetch fails, then the error is an AbortError of status 0', async () => {
    const controller = new AbortController();
    makeRequest.mockImplementation(async () => {
      controller.abort();
      throw new ServerConnection.NetworkError(
        new Error('The user aborted a request.')
      );
    });
    const failure = requestAPI('runs', { signal: controller.signal }, settings);
    await expect(failure).rejects.toBeInstanceOf(APIError);
    await expect(failure).rejects.toMatchObject({
      name: 'AbortError',
      status: 0
    });
    expect(makeRequest.mock.calls[0][1].signal).toBe(controller.signal);
  });

  it('given a signal aborted while the body is read, then the error is an AbortError', async () => {
    const controller = new AbortController();
    makeRequest.mockResolvedValue({
      ok: true,
      status: 200,
      statusText: 'OK',
      text: async () => {
        controller.abort();
        throw new DOMException('The operation was aborted.', 'AbortError');
      }
    } as unknown as Response);
    await expect(
      requestAPI('runs/count', { signal: controller.signal }, settings)
    ).rejects.toMatchObject({ name: 'AbortError', status: 0 });
  });

  it('given no server, then the error says the server cannot be reached', async () => {
    makeRequest.mockRejectedValue(new TypeError('Failed to fetch'));
    await expect(new MlopsClient(settings).getStatus()).rejects.toMatchObject({
      message: 'Cannot reach the Jupyter server: Failed to fetch',
      status: 0,
      name: 'APIError'
    });
  });
});
