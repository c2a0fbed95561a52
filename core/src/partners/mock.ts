/**
 * @module Mock mode: an operation answers from its document instead of its upstream, for developers who build
 * before the upstream exists. The lowest 2xx response (or `default`), its example (`example`, the first of
 * `examples`, else a sample generated from the schema by openapi-sampler); `Prefer: code=404, example=name` picks
 * another, as Prism does. The answer carries `x-switchboard-mock: true`.
 */

import { HttpProblem } from '../http/map-error.js';
import type { PassthroughInput } from '../http/operation-handler.js';

type Node = Record<string, unknown>;

/** Loaded on the first mocked call: a platform with no asset in mock mode never pays for it at start. */
let sampler: typeof import('openapi-sampler') | undefined;

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Follows local `$ref`s (`#/components/…`) until a node that is not one; unresolvable refs give undefined. */
const resolver = (doc: Node) => {
  const at = (ref: string): unknown => {
    if (!ref.startsWith('#/')) return undefined;
    let node: unknown = doc;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) || Array.isArray(node) ? (node as Node)[key] : undefined;
    }
    return node;
  };
  return (node: unknown): Node | undefined => {
    let n = node;
    for (let hops = 0; isObject(n) && typeof n.$ref === 'string' && hops < 32; hops++) n = at(n.$ref);
    return isObject(n) ? n : undefined;
  };
};

/** Statuses a Response may not have a body with. */
const NULL_BODY = new Set([204, 205, 304]);

const isJson = (mediaType: string) => /^application\/(.+\+)?json$/i.test(mediaType.split(';')[0].trim());

/** `Prefer: code=404, example=not-found` (RFC 7240 preferences, Prism's names); values may be quoted. */
export const parsePrefer = (header: string | null): { code?: string; example?: string } => {
  const out: { code?: string; example?: string } = {};
  for (const part of (header ?? '').split(/[,;]/)) {
    const [name, ...rest] = part.split('=');
    const key = name.trim().toLowerCase();
    const value = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if ((key === 'code' || key === 'example') && value) out[key] = value;
  }
  return out;
};

const notDeclared = (detail: string) => new HttpProblem({ status: 400, code: 'MOCK_NOT_DECLARED', title: 'Bad Request', detail });

export interface MockOptions {
  /** The routed document (its components resolve `$ref`s). */
  doc: Node;
  /** The operation object. */
  operation: Node;
  operationId: string;
}

/**
 * The handler of one operation in mock mode. Answers are computed on first use and kept: a large vendor document
 * loads no slower in mock mode.
 *
 * @example
 * const handler = createMock({ doc, operation: doc.paths['/pets'].get, operationId: 'listPets' });
 */
export const createMock = ({ doc, operation, operationId }: MockOptions) => {
  const resolve = resolver(doc);
  const responses = resolve(operation.responses) ?? {};
  const codes = Object.keys(responses);
  const success = codes.filter((c) => /^2\d\d$/.test(c)).sort()[0] ?? codes.find((c) => c.toUpperCase() === '2XX');
  const fallback = success ?? (codes.includes('default') ? 'default' : codes[0]);
  const cache = new Map<string, { status: number; mediaType?: string; body?: string }>();

  const responseFor = (code: string | undefined): { key: string; status: number } | undefined => {
    if (code === undefined) {
      if (fallback === undefined) return undefined;
      // A 1xx cannot be an answer of its own (a Response refuses it): 200 with that response's content instead.
      return { key: fallback, status: /^[2-5]\d\d$/.test(fallback) ? Number(fallback) : 200 };
    }
    if (!/^[2-5]\d\d$/.test(code)) return undefined;
    const key = [code, `${code[0]}XX`, `${code[0]}xx`, 'default'].find((k) => k in responses);
    return key === undefined ? undefined : { key, status: Number(code) };
  };

  const answer = (key: string, status: number, exampleName: string | undefined) => {
    const cacheKey = `${status} ${key} ${exampleName ?? ''}`;
    const hit = cache.get(cacheKey);
    if (hit) return hit;
    const response = resolve(responses[key]) ?? {};
    const content = resolve(response.content) ?? {};
    const types = Object.keys(content);
    const mediaType = types.find(isJson) ?? types[0];
    let built: { status: number; mediaType?: string; body?: string } = { status };
    if (mediaType !== undefined && !NULL_BODY.has(status)) {
      const media = resolve(content[mediaType]) ?? {};
      const examples = resolve(media.examples) ?? {};
      const names = Object.keys(examples);
      let value: unknown;
      if (exampleName !== undefined) {
        if (!names.includes(exampleName)) {
          throw notDeclared(
            `${operationId} has no example ${JSON.stringify(exampleName)} for ${key}${names.length ? `; it has ${names.join(', ')}` : ''}.`,
          );
        }
        value = resolve(examples[exampleName])?.value;
      } else if (media.example !== undefined) {
        value = media.example;
      } else if (names.length > 0) {
        value = resolve(examples[names[0]])?.value;
      } else if (media.schema !== undefined) {
        // skipWriteOnly: what a client sends is not part of an answer. Schema-level examples are used by the sampler.
        value = sampler?.sample(media.schema as never, { skipWriteOnly: true, quiet: true }, doc);
      }
      const body = value === undefined ? undefined : typeof value === 'string' && !isJson(mediaType) ? value : JSON.stringify(value);
      built = { status, mediaType, body };
    } else if (exampleName !== undefined) {
      throw notDeclared(`${operationId} has no examples for ${key}.`);
    }
    cache.set(cacheKey, built);
    return built;
  };

  return async function mock(input: PassthroughInput): Promise<Response> {
    sampler ??= await import('openapi-sampler');
    const prefer = parsePrefer(input.request.headers.get('prefer'));
    const chosen = responseFor(prefer.code);
    if (!chosen) {
      throw notDeclared(
        prefer.code === undefined
          ? `${operationId} declares no response to mock.`
          : `${operationId} declares no response for ${prefer.code}; it declares ${codes.join(', ')}.`,
      );
    }
    const { status, mediaType, body } = answer(chosen.key, chosen.status, prefer.example);
    const headers = new Headers({ 'x-switchboard-mock': 'true', 'x-request-id': input.requestId, 'x-content-type-options': 'nosniff' });
    if (prefer.code !== undefined || prefer.example !== undefined) headers.set('preference-applied', preferenceApplied(prefer));
    const withBody = body !== undefined && input.request.method !== 'HEAD';
    if (withBody && mediaType) headers.set('content-type', mediaType);
    return new Response(withBody ? body : null, { status, headers });
  };
};

const preferenceApplied = ({ code, example }: { code?: string; example?: string }) =>
  [code && `code=${code}`, example && `example=${example}`].filter(Boolean).join(', ');
