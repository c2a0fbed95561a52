/**
 * @module `switchboard new plugin <id>`: writes a plugin that loads and passes its own test at once (manifest,
 * generated types, handlers, an entity and its migration, a job, a worker, a test) from the templates in
 * `./scaffold/`: every `*.tmpl` file, with `{{name}}` placeholders filled in.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { INFO_EXTENSION_SCHEMA, RESERVED_IDS } from '../plugins/asset-meta.js';
import { CORE_VERSION } from '../version.js';

export const NEW_PLUGIN_HELP = `  new plugin <id> [--dir <path>] [--force]
                     Scaffold a plugin in plugins/<id> (or --dir) that loads and passes its own test: manifest,
                     types, handlers, entity, migration, job, worker. --force writes into a folder that is not empty`;

const USAGE = 'usage: switchboard new plugin <id> [--dir <path>] [--force]';
const TEMPLATES = fileURLToPath(new URL('./scaffold/', import.meta.url));
/** The rule the core applies to `info.x-switchboard.id` when it loads a manifest. */
const ASSET_ID = new RegExp(INFO_EXTENSION_SCHEMA.properties.id.pattern);

/** A request the command refuses (a bad id, a folder in the way): exit code 2, nothing written. */
export class ScaffoldRefused extends Error {}

/** Why `id` cannot be an asset id, or null when it can. */
export const assetIdProblem = (id: string): string | null => {
  if (!ASSET_ID.test(id)) {
    return `'${id}' is not a valid asset id: use 2–32 characters, lower-case letters, digits and '-', starting with a letter (${ASSET_ID.source})`;
  }
  if (RESERVED_IDS.includes(id)) return `'${id}' is the id of one of the core's own APIs (${RESERVED_IDS.join(', ')})`;
  return null;
};

/** The placeholders of the templates, from the asset id: `my-asset` gives `My Asset`, `MyAsset` and `my_asset`. */
export const placeholders = (id: string): Record<string, string> => {
  const words = id.split('-').filter(Boolean);
  const capitalized = words.map((w) => w[0].toUpperCase() + w.slice(1));
  return {
    id,
    Title: capitalized.join(' '),
    Pascal: capitalized.join(''),
    table: id.replaceAll('-', '_'),
    coreVersion: `^${CORE_VERSION}`,
  };
};

const fill = (text: string, values: Record<string, string>, file: string) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template ${file} uses an unknown placeholder {{${name}}}`);
    return value;
  });

const templateFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? templateFiles(join(dir, d.name)) : d.name.endsWith('.tmpl') ? [join(dir, d.name)] : [],
  );

export interface ScaffoldOptions {
  id: string;
  /** Where to write the plugin (created if missing). */
  dir: string;
  /** Write into a folder that is not empty, replacing files of the same names. */
  force?: boolean;
}

/**
 * Writes the plugin and its generated types; returns the absolute paths written.
 *
 * @example
 * const files = await scaffoldPlugin({ id: 'inventory', dir: resolve('plugins/inventory') });
 */
export const scaffoldPlugin = async ({ id, dir, force = false }: ScaffoldOptions): Promise<string[]> => {
  const problem = assetIdProblem(id);
  if (problem) throw new ScaffoldRefused(problem);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ScaffoldRefused(`${dir} exists and is not a folder`);
    if (!force && readdirSync(dir).length > 0) {
      throw new ScaffoldRefused(`${dir} exists and is not empty; choose another --dir, or pass --force to write over its files`);
    }
  }
  const values = placeholders(id);
  const written: string[] = [];
  const write = (file: string, text: string) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    written.push(file);
  };
  for (const template of templateFiles(TEMPLATES)) {
    const rel = relative(TEMPLATES, template).slice(0, -'.tmpl'.length);
    write(join(dir, rel), fill(readFileSync(template, 'utf8'), values, rel));
  }
  // The same generator as `npm run gen`, so the file is byte for byte what it would write. Loaded only here: the
  // rest of the CLI does not need openapi-typescript.
  const { manifestTypes } = await import('../../../scripts/gen.js');
  write(join(dir, 'src/generated/openapi.ts'), await manifestTypes(join(dir, 'openapi.yaml')));
  return written;
};

/** The next steps, with paths as the user typed them (relative to the working directory). */
const nextSteps = (id: string, dir: string, cwd: string) => {
  const rel = relative(cwd, dir) || '.';
  const outside = rel.startsWith('..') || isAbsolute(rel);
  const specifier = outside ? dir : `./${rel}`;
  // `npm run gen` scans the sub-folders of plugins/ (and of docs/examples/, test/fixtures/plugins/).
  const scanned = !outside && dirname(rel) === 'plugins';
  return [
    'Next steps:',
    `  1. Load it: add ${specifier} to \`plugins:\` in switchboard.config.yaml (or to SWITCHBOARD_PLUGINS).`,
    scanned
      ? '  2. After each change to openapi.yaml: npm run gen (regenerates src/generated/openapi.ts).'
      : '  2. After each change to openapi.yaml: npx openapi-typescript openapi.yaml -o src/generated/openapi.ts',
    `  3. Run its test: cd ${rel} && npm test`,
    `Then make '${id}' yours: the manifest first, then the handlers. The guide is docs/writing-a-plugin.md.`,
  ];
};

/** `switchboard new plugin <id> [--dir <path>] [--force]`: 0 when written, 2 when refused. */
export const newCommand = async (
  args: string[],
  {
    out,
    err = (line: string) => process.stderr.write(`${line}\n`),
    cwd = process.cwd(),
  }: { out: (line: string) => void; err?: (line: string) => void; cwd?: string },
): Promise<number> => {
  let parsed: { values: { dir?: string; force?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { dir: { type: 'string' }, force: { type: 'boolean' } } });
  } catch (e) {
    err(`switchboard new plugin: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [kind, id, ...extra] = positionals;
  if (kind !== 'plugin' || !id || extra.length > 0) {
    err(USAGE);
    return 2;
  }
  const dir = resolve(cwd, values.dir ?? join('plugins', id));
  try {
    const files = await scaffoldPlugin({ id, dir, force: values.force ?? false });
    out(`created plugin '${id}' in ${relative(cwd, dir) || '.'}:`);
    for (const file of files) out(`  ${relative(cwd, file)}`);
    out('');
    for (const line of nextSteps(id, dir, cwd)) out(line);
    return 0;
  } catch (e) {
    if (!(e instanceof ScaffoldRefused)) throw e;
    err(`switchboard new plugin: ${e.message}`);
    return 2;
  }
};
