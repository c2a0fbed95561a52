/** @module The outbound HTTP client a plugin receives: fetch with a deadline, a user agent and debug logging. */
import { type HttpClient, type Logger, UpstreamError, UpstreamTimeoutError } from '@switchboard/sdk';
import { CORE_VERSION } from '../version.js';

export interface HttpClientOptions {
  assetId: string;
  timeoutMs: number;
  log: Logger;
}

/** Creates a plugin's HTTP client; failures become the SDK's upstream errors, which the core maps to 502 / 504. */
export const createHttpClient = ({ assetId, timeoutMs, log }: HttpClientOptions): HttpClient => {
  const userAgent = `switchboard/${CORE_VERSION} (${assetId})`;
  const doFetch: HttpClient['fetch'] = async (url, init = {}) => {
    const { timeoutMs: perCall, ...rest } = init;
    const deadline = perCall ?? timeoutMs;
    const timeout = AbortSignal.timeout(deadline);
    const signal = rest.signal ? AbortSignal.any([rest.signal, timeout]) : timeout;
    const headers = new Headers(rest.headers);
    if (!headers.has('user-agent')) headers.set('user-agent', userAgent);
    const started = performance.now();
    const target = new URL(url);
    try {
      const res = await fetch(target, { ...rest, headers, signal });
      log.debug(
        {
          method: rest.method ?? 'GET',
          host: target.host,
          path: target.pathname,
          status: res.status,
          ms: Math.round(performance.now() - started),
        },
        'outbound request',
      );
      return res;
    } catch (e) {
      if (timeout.aborted) throw new UpstreamTimeoutError(`${target.host} did not answer within ${deadline} ms`, { cause: e });
      if ((e as Error).name === 'AbortError') throw e;
      throw new UpstreamError(`${target.host} could not be reached: ${(e as Error).cause ?? (e as Error).message}`, { cause: e });
    }
  };
  return {
    fetch: doFetch,
    async json<T>(url: string | URL, init?: Parameters<HttpClient['fetch']>[1]): Promise<T> {
      const res = await doFetch(url, init);
      if (!res.ok) {
        throw new UpstreamError(`${new URL(url).host} answered ${res.status}`, { status: res.status, details: { status: res.status } });
      }
      return (await res.json()) as T;
    },
  };
};
