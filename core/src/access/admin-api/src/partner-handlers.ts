/** @module The admin API's partner operations: thin, over the PartnerRegistry, which checks, stores and audits. */
import type { Handlers } from '@switchboard/sdk';
import type { PartnerRegistry } from '../../../partners/partner-registry.js';
import { currentActor } from '../../operator-middleware.js';
import type { operations } from './generated/openapi.js';

type PartnerOperations = Pick<operations, 'listPartners' | 'getPartner' | 'putPartner' | 'removePartner' | 'setPartnerMode'>;

/**
 * The uploaded document as text: a JSON body arrives parsed (it is stored as JSON again), YAML as text
 * (`text/yaml`) or bytes (`application/yaml`).
 */
const documentText = (body: unknown): { text: string; format: 'json' | 'yaml' } => {
  if (typeof body === 'string') return { text: body, format: 'yaml' };
  if (body instanceof ArrayBuffer) return { text: new TextDecoder().decode(body), format: 'yaml' };
  return { text: JSON.stringify(body), format: 'json' };
};

export const partnerHandlers = (partners: PartnerRegistry): Handlers<PartnerOperations> => ({
  listPartners: async () => ({
    status: 200,
    body: { items: partners.list().map(({ operations: _operations, ...summary }) => summary) },
  }),
  getPartner: async ({ params }) => ({ status: 200, body: partners.get(params.assetId) }),
  putPartner: async ({ params, query, body }) => {
    const { view, created } = await partners.put(currentActor(), { ...documentText(body), id: params.assetId, mode: query.mode });
    return created ? { status: 201, body: view } : { status: 200, body: view };
  },
  removePartner: async ({ params }) => {
    await partners.remove(currentActor(), params.assetId);
    return { status: 204 };
  },
  setPartnerMode: async ({ params, body }) => ({
    status: 200,
    body: await partners.setMode(currentActor(), params.assetId, body.mode),
  }),
});
