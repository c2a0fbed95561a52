/** @module The outbound HTTP contract: fetch with a deadline, a user agent and logging. */

/** Options of one outbound request: the standard `RequestInit` plus a deadline. */
export interface HttpRequestInit extends RequestInit {
  /** Abort after this many milliseconds (default: the core's `HTTP_TIMEOUT_MS`, 10 s unless configured). */
  timeoutMs?: number;
}

/**
 * Outbound HTTP for a plugin. A request that exceeds its deadline rejects with the SDK's `UpstreamTimeoutError`,
 * a connection failure with `UpstreamError`; the core maps them to 504 and 502.
 */
export interface HttpClient {
  fetch(url: string | URL, init?: HttpRequestInit): Promise<Response>;
  /** Fetches and parses a JSON body; a non-2xx status rejects with `UpstreamError` carrying the status. */
  json<T = unknown>(url: string | URL, init?: HttpRequestInit): Promise<T>;
}
