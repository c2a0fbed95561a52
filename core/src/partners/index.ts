/** @module Partner assets: a partner's OpenAPI document plus an upstream, served as an asset with no code. */
export { circuitBreaker } from './circuit-breaker.js';
export { hostGuard, isPublicAddress } from './host-guard.js';
export { listPartnerFiles, loadPartners } from './load-partners.js';
export { createMock } from './mock.js';
export { generatedOperationId, normalizeDocument } from './normalize-document.js';
export {
  PARTNER_EXTENSION_SCHEMA,
  type PartnerMeta,
  UPSTREAM_DEFAULTS,
  type Upstream,
  type UpstreamAuth,
  type UpstreamPolicy,
} from './partner-meta.js';
export { createProxy } from './proxy.js';
export { readPartner } from './read-partner.js';
export { upstreamAuth } from './upstream-auth.js';
