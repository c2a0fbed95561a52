/**
 * The real vendor documents of the shared corpus, each copied into a partners folder with an `x-switchboard` block
 * added textually (the rest of the bytes untouched, so every quirk — Docker's YAML included — reaches the loader).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS_DIR = process.env.OPENAPI_CORPUS_DIR ?? '/work/shared/corpus/openapi';

export interface CorpusDoc {
  file: string;
  id: string;
}

export const CORPUS: CorpusDoc[] = [
  { file: 'box-platform-api.json', id: 'box' },
  { file: 'digitalocean-public-v2.yaml', id: 'digitalocean' },
  { file: 'discord-api-v10.json', id: 'discord' },
  { file: 'docker-engine-api.yaml', id: 'docker' },
  { file: 'overseerr-api.yaml', id: 'overseerr' },
  { file: 'svix-api.json', id: 'svix' },
];

/** Writes `file` into `dir` with `block` as its top-level `x-switchboard`. */
export const withBlock = (source: string, dir: string, name: string, block: unknown): string => {
  const text = readFileSync(source, 'utf8');
  const json = JSON.stringify(block);
  const out = name.endsWith('.json')
    ? text.replace('{', `{"x-switchboard":${json},`)
    : `${text.endsWith('\n') ? text : `${text}\n`}x-switchboard: ${json}\n`;
  const target = join(dir, name);
  writeFileSync(target, out);
  return target;
};
