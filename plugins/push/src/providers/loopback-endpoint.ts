/**
 * @module Where a sender dials instead of the provider's real host: a fake server on loopback (tests, benchmarks,
 * fault drills). The provider's host name is kept for SNI and the `:authority`, so the fake sees real requests.
 */

export interface LoopbackEndpoint {
  host: string;
  port: number;
  /** The fake's CA certificate (PEM); only this CA is trusted for the redirected connections. */
  ca: string | Buffer;
}
