/** @module Partner assets: a partner's OpenAPI document plus an upstream, served as an asset with no code. */
export { listPartnerFiles, loadPartners } from './load-partners.js';
export { generatedOperationId, normalizeDocument } from './normalize-document.js';
export { PARTNER_EXTENSION_SCHEMA, type PartnerMeta, type Upstream, type UpstreamAuth } from './partner-meta.js';
export { createProxy } from './proxy.js';
export { readPartner } from './read-partner.js';
export { upstreamAuth } from './upstream-auth.js';
