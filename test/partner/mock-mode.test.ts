/**
 * Partner assets in mock mode: answers from the document's examples, or samples of its schemas, chosen with
 * `Prefer: code=…, example=…`; still validated, gated and metered; never calling the upstream. And the operator's
 * override (`mode` of ReadPartnerOptions) over the document's own mode.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@switchboard/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PassthroughInput } from '../../core/src/http/operation-handler.js';
import { partnerSource } from '../../core/src/partners/read-partner.js';
import { LoadError } from '../../core/src/plugins/load-error.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { type FaultUpstream, startFaultUpstream } from './fault-upstream.js';

const petsDocument = (block: Record<string, unknown>) => ({
  openapi: '3.0.3',
  info: { title: 'Pets', version: '1.0.0' },
  'x-switchboard': block,
  components: {
    schemas: {
      Pet: {
        type: 'object',
        required: ['id', 'name'],
        properties: {
          id: { type: 'integer', format: 'int64' },
          name: { type: 'string', example: 'Rex' },
          kind: { type: 'string', enum: ['dog', 'cat'] },
          secret: { type: 'string', writeOnly: true },
        },
      },
    },
    examples: { gone: { value: { message: 'the pet left' } } },
  },
  paths: {
    '/pets': {
      get: {
        operationId: 'listPets',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 50 } }],
        responses: {
          '200': {
            description: 'pets',
            content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Pet' } } } },
          },
        },
      },
      post: {
        operationId: 'addPet',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } },
        responses: {
          '201': {
            description: 'added',
            content: {
              'application/json': {
                examples: { first: { value: { id: 1, name: 'Rex' } }, second: { value: { id: 2, name: 'Tom', kind: 'cat' } } },
              },
            },
          },
          '400': { description: 'bad' },
        },
      },
    },
    '/pets/{petId}': {
      parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: {
        operationId: 'getPet',
        responses: {
          '404': {
            description: 'not found',
            content: {
              'application/problem+json': {
                examples: { missing: { value: { message: 'no such pet' } }, gone: { $ref: '#/components/examples/gone' } },
              },
            },
          },
          '200': { description: 'a pet', content: { 'application/json': { example: { id: 7, name: 'Fido', kind: 'dog' } } } },
          default: {
            description: 'an error',
            content: { 'application/json': { schema: { type: 'object', properties: { message: { type: 'string' } } } } },
          },
        },
      },
      delete: { operationId: 'deletePet', responses: { '204': { description: 'deleted' } } },
    },
    '/pets/{petId}/photo': {
      parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: {
        operationId: 'getPhoto',
        responses: { '200': { description: 'photo', content: { 'text/plain': { example: 'a photo of a pet' } } } },
      },
    },
  },
});

let upstream: FaultUpstream;
let platform: TestPlatform;

beforeAll(async () => {
  upstream = await startFaultUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'partners-mock-'));
  // Written before its upstream exists: no upstream at all.
  writeFileSync(join(dir, 'pets.json'), JSON.stringify(petsDocument({ id: 'pets', mode: 'mock' })));
  // An upstream that exists, but mock mode never calls it.
  writeFileSync(
    join(dir, 'pets-live.json'),
    JSON.stringify(petsDocument({ id: 'pets-mocked', mode: 'mock', upstream: { baseUrl: upstream.url } })),
  );
  platform = await startTestPlatform({ plugins: [], overrides: { partnersDir: dir, partnerAllowedHosts: ['127.0.0.1'] } });
});

afterAll(async () => {
  await platform?.close();
  await upstream?.close();
});

describe('a partner asset in mock mode', () => {
  it('loads without an upstream', () => {
    expect(platform.loadErrors).toEqual([]);
    expect(platform.plugins.map((p) => p.prepared.meta.id).sort()).toEqual(['pets', 'pets-mocked']);
  });

  it('answers the lowest 2xx response with its example, marked as a mock', async () => {
    const res = await platform.call('GET', '/api/pets/pets/7');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-switchboard-mock')).toBe('true');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({ id: 7, name: 'Fido', kind: 'dog' });
  });

  it('answers the first of `examples`, and another one on Prefer: example=name', async () => {
    const first = await platform.call('POST', '/api/pets/pets', { json: { id: 3, name: 'Kit' } });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ id: 1, name: 'Rex' });
    const second = await platform.call('POST', '/api/pets/pets', { json: { id: 3, name: 'Kit' }, headers: { prefer: 'example=second' } });
    expect(second.status).toBe(201);
    expect(second.headers.get('preference-applied')).toBe('example=second');
    expect(await second.json()).toEqual({ id: 2, name: 'Tom', kind: 'cat' });
  });

  it('generates a sample from the schema when there is no example ($refs followed, writeOnly left out)', async () => {
    const res = await platform.call('GET', '/api/pets/pets');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ id: 0, name: 'Rex', kind: 'dog' }]);
  });

  it('answers another declared status on Prefer: code=NNN (with example=name), and refuses an undeclared one', async () => {
    const missing = await platform.call('GET', '/api/pets/pets/7', { headers: { prefer: 'code=404' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toEqual({ message: 'no such pet' });
    const gone = await platform.call('GET', '/api/pets/pets/7', { headers: { prefer: 'code=404, example=gone' } });
    expect(await gone.json()).toEqual({ message: 'the pet left' });
    // 503 is not declared: the `default` response answers with that status.
    const fallback = await platform.call('GET', '/api/pets/pets/7', { headers: { prefer: 'code=503' } });
    expect(fallback.status).toBe(503);
    expect(await fallback.json()).toEqual({ message: 'string' });

    const undeclared = await platform.call('POST', '/api/pets/pets', { json: { id: 1, name: 'a' }, headers: { prefer: 'code=418' } });
    expect(undeclared.status).toBe(400);
    expect(await undeclared.json()).toMatchObject({ code: 'MOCK_NOT_DECLARED' });
    const noSuchExample = await platform.call('POST', '/api/pets/pets', {
      json: { id: 1, name: 'a' },
      headers: { prefer: 'example=third' },
    });
    expect(await noSuchExample.json()).toMatchObject({ code: 'MOCK_NOT_DECLARED', detail: expect.stringContaining('first, second') });
  });

  it('answers an empty 204, and a text example as text', async () => {
    const deleted = await platform.call('DELETE', '/api/pets/pets/7');
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    const photo = await platform.call('GET', '/api/pets/pets/7/photo');
    expect(photo.headers.get('content-type')).toBe('text/plain');
    expect(await photo.text()).toBe('a photo of a pet');
  });

  it('still validates, wants a key and is metered, like a live call', async () => {
    const bad = await platform.call('GET', '/api/pets/pets?limit=500');
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('VALIDATION_FAILED');
    const noName = await platform.call('POST', '/api/pets/pets', { json: { id: 1 } });
    expect(noName.status).toBe(400);
    expect((await platform.call('GET', '/api/pets/pets', { as: 'anonymous' })).status).toBe(401);

    const meter = platform.access?.meter;
    if (!meter) throw new Error('access control is off');
    const record = vi.spyOn(meter, 'record');
    await (await platform.call('GET', '/api/pets/pets/1')).arrayBuffer();
    expect(record).toHaveBeenCalledWith(platform.testApp?.appId, 'pets', 'getPet', 200);
    record.mockRestore();
  });

  it('never calls the upstream it has', async () => {
    const res = await platform.call('GET', '/api/pets-mocked/pets/1');
    expect(res.headers.get('x-switchboard-mock')).toBe('true');
    expect(upstream.hits.size).toBe(0);
  });
});

describe('the operator’s mode override', () => {
  const log = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {} } as unknown as Logger;
  const options = { env: {}, log, defaultTimeoutMs: 1000, allowedHosts: ['127.0.0.1'] };
  const handlerOf = async (doc: Record<string, unknown>, mode: 'live' | 'mock' | undefined, operationId: string) => {
    const source = await partnerSource(doc, 'pets.json', { ...options, mode });
    const handlers = (
      source.definition as unknown as { handlers: () => Record<string, (i: PassthroughInput) => Promise<Response>> }
    ).handlers();
    return handlers[operationId];
  };
  const input = (url: string): PassthroughInput =>
    ({ request: new Request(url), requestId: 'r-1', bodyBytes: undefined }) as unknown as PassthroughInput;

  it('mock turns a live document into mocks', async () => {
    const handler = await handlerOf(petsDocument({ id: 'pets', upstream: { baseUrl: upstream.url } }), 'mock', 'getPet');
    const res = await handler(input('http://platform/api/pets/pets/7'));
    expect(res.headers.get('x-switchboard-mock')).toBe('true');
    expect(upstream.hits.size).toBe(0);
  });

  it('live sends a mock document to its upstream, and needs one', async () => {
    const handler = await handlerOf(petsDocument({ id: 'pets', mode: 'mock', upstream: { baseUrl: upstream.url } }), 'live', 'getPet');
    const res = await handler(input('http://platform/api/pets/pets/7'));
    expect(res.headers.get('x-switchboard-mock')).toBeNull();
    expect(upstream.hitsOf('/pets/7')).toBe(1);

    const noUpstream = handlerOf(petsDocument({ id: 'pets', mode: 'mock' }), 'live', 'getPet');
    await expect(noUpstream).rejects.toBeInstanceOf(LoadError);
    await expect(noUpstream).rejects.toMatchObject({ code: 'XSB_INVALID', pointer: '/x-switchboard' });
  });
});
