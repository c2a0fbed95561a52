/** A small partner document served by the echo upstream, written once per upstream auth kind. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const echoDocument = (block: Record<string, unknown>) => ({
  openapi: '3.0.3',
  info: { title: 'Echo partner', version: '1.0.0' },
  'x-switchboard': block,
  components: {
    securitySchemes: { partnerKey: { type: 'apiKey', in: 'header', name: 'X-Partner-Key' } },
  },
  security: [{ partnerKey: [] }],
  paths: {
    '/items/{itemId}': {
      put: {
        operationId: 'putItem',
        parameters: [
          { name: 'itemId', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'q', in: 'query', schema: { type: 'integer' } },
          { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 20 } } },
            },
          },
        },
        responses: { '207': { description: 'echo' } },
      },
    },
    // No operationId: the platform generates `postItemsByItemIdRaw`.
    '/items/{itemId}/raw': {
      post: {
        parameters: [{ name: 'itemId', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
        responses: { '207': { description: 'echo' } },
      },
    },
    '/large': { get: { operationId: 'getLarge', responses: { '200': { description: 'a big stream' } } } },
    '/oauth/thing': { get: { operationId: 'getOauthThing', responses: { '207': { description: 'echo' } } } },
  },
});

export const writeEchoPartner = (dir: string, name: string, block: Record<string, unknown>): string => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(echoDocument(block), null, 2));
  return file;
};
