/**
 * @module `npx switchboard client --out <dir> [--url <core>] [--asset <id>]…`: the portal's typed-client download
 * for the command line. It reads a running core's `/openapi.json` (so it types exactly what that core serves) and
 * writes `<dir>/switchboard.ts`; without `--asset` it types every asset, never the platform's own APIs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clientDocument } from './client-document.js';
import { generateClient } from './generate-client.js';

/** The core's own APIs: a consumer's client is about assets. */
const SYSTEM_TAGS = new Set(['admin', 'developer']);

export interface ClientCommandOptions {
  out: string;
  /** Base URL of a running core (default http://localhost:8080). */
  url?: string;
  /** Asset ids to include (default: every asset the core serves). */
  assets?: string[];
  fetch?: typeof fetch;
}

export const CLIENT_HELP =
  '  client --out <dir> [--url <core url>] [--asset <id>]…   Write TypeScript types of the assets for openapi-fetch';

/** Writes the client and returns its path and the assets it types; throws with what to do when it cannot. */
export const clientCommand = async ({ out, url = 'http://localhost:8080', assets, fetch: get = fetch }: ClientCommandOptions) => {
  const source = `${url.replace(/\/+$/, '')}/openapi.json`;
  const res = await get(source).catch((e: Error) => {
    throw new Error(`cannot read ${source} (${e.message}): start the core (npm start) or pass --url`, { cause: e });
  });
  if (!res.ok) throw new Error(`${source} answered ${res.status}: is this a Switchboard core?`);
  const served = (await res.json()) as Record<string, unknown>;
  const available = ((served.tags ?? []) as { name: string }[]).map((t) => t.name).filter((t) => !SYSTEM_TAGS.has(t));
  const unknown = (assets ?? []).filter((a) => !available.includes(a));
  if (unknown.length > 0) throw new Error(`no asset ${unknown.join(', ')} at ${url}; it serves: ${available.join(', ') || 'none'}`);
  const chosen = assets && assets.length > 0 ? assets : available;
  const file = join(resolve(out), 'switchboard.ts');
  mkdirSync(resolve(out), { recursive: true });
  writeFileSync(file, await generateClient(clientDocument(served, chosen), 'command line', chosen));
  return { file, assets: chosen };
};
