/**
 * @module `npx switchboard <command>`: the operators' and plugin authors' command line. It runs the same code as
 * the server; every failure says what went wrong and what to do.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { BACKGROUND_HELP, backgroundCommands } from '../background/cli-commands.js';
import { ConfigError } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import { createOrm, migrate, ormOptionsFor } from '../db/create-orm.js';
import { createLogger } from '../logging/create-logger.js';
import { LoadError } from '../plugins/load-error.js';
import { newClaims, type PreparedPlugin, preparePlugin } from '../plugins/prepare-plugin.js';
import { CORE_VERSION } from '../version.js';
import { CLIENT_HELP, clientCommand } from '../web/client/client-command.js';
import { ACCESS_HELP, accessCommands } from './access-commands.js';
import { NEW_PLUGIN_HELP, newCommand } from './new-plugin.js';
import { PARTNERS_HELP, partnerCommands } from './partner-commands.js';

const HELP = `Switchboard ${CORE_VERSION}

Usage: npx switchboard <command> [options]

Commands:
  start              Serve the platform (same as npm start)
  migrate            Apply pending migrations of the core and every configured plugin
  migrate --status   List applied and pending migrations without changing anything
  check [plugin...]  Load plugins (default: the configured ones) without serving; print every load error
  version            Print the core version
${NEW_PLUGIN_HELP}
${CLIENT_HELP}
${BACKGROUND_HELP}

Access (the same operations as the admin API, audited as system:cli):
${ACCESS_HELP}

Partner assets (the same operations as the admin API, audited as system:cli):
${PARTNERS_HELP}

Configuration comes from the environment and switchboard.config.yaml (see README.md, "Configuration").`;

const out = (line: string) => process.stdout.write(`${line}\n`);

/** Prepares the configured plugins, printing each load error; returns the ones that loaded. */
const prepareAll = async (specifiers: string[], config: ReturnType<typeof loadConfig>) => {
  const ok: PreparedPlugin[] = [];
  const errors: LoadError[] = [];
  const claims = newClaims();
  for (const specifier of specifiers) {
    try {
      const p = await preparePlugin(specifier, claims, {
        rootDir: config.rootDir,
        pluginConfig: config.pluginConfig,
        configSources: config.pluginConfigSources,
        compileResponses: true,
      });
      ok.push(p);
    } catch (e) {
      errors.push(e instanceof LoadError ? e : new LoadError('PLUGIN_IMPORT_FAILED', specifier, '', (e as Error).message));
    }
  }
  return { ok, errors, claims };
};

const commands: Record<string, (args: string[]) => Promise<number>> = {
  ...accessCommands({
    out,
    open: async () => {
      const config = loadConfig();
      const { ok } = await prepareAll(config.plugins, config);
      return { orm: await createOrm(ormOptionsFor(config.databaseUrl, ok)), assetIds: ok.map((p) => p.meta.id) };
    },
  }),
  ...partnerCommands({ out, loadConfig: () => loadConfig() }),
  ...backgroundCommands({
    out,
    loadConfig: () => loadConfig(),
    workerQueues: async (config) =>
      (await prepareAll(config.plugins, config)).ok.flatMap((p) =>
        (p.definition.workers ?? []).map((w) => ({ assetId: p.meta.id, queue: w.queue })),
      ),
  }),
  async start() {
    await import('../main.js');
    return -1; // keep running
  },

  async client(args) {
    const { values } = parseArgs({
      args,
      options: { out: { type: 'string' }, url: { type: 'string' }, asset: { type: 'string', multiple: true } },
    });
    if (!values.out) {
      out(`missing --out <dir>\n${CLIENT_HELP}`);
      return 1;
    }
    const written = await clientCommand({ out: values.out, url: values.url, assets: values.asset });
    out(`wrote ${written.file} (${written.assets.join(', ')})`);
    return 0;
  },

  new: (args) => newCommand(args, { out }),

  async version() {
    out(CORE_VERSION);
    return 0;
  },

  async check(args) {
    const config = loadConfig();
    const { ok, errors, claims } = await prepareAll(args.length > 0 ? args : config.plugins, config);
    // Without arguments, the partner documents of PARTNERS_DIR too, against the plugins' ids and routes, as at start.
    if (args.length === 0) {
      const { loadPartners } = await import('../partners/load-partners.js');
      const partners = await loadPartners({
        dir: config.partnersDir,
        claims,
        prepare: { rootDir: config.rootDir, pluginConfig: {}, configSources: {}, compileResponses: false },
        log: createLogger({ level: 'silent' }),
        env: process.env,
        defaultTimeoutMs: config.httpTimeoutMs,
        allowedHosts: config.partnerAllowedHosts,
      });
      ok.push(...partners.prepared);
      errors.push(...partners.errors.map((e) => e.error));
    }
    for (const p of ok) out(`ok    ${p.meta.id} (${p.operations.length} operations) ${p.manifestFile}`);
    for (const e of errors) out(`FAIL  ${e.code} ${e.file}${e.pointer ? `#${e.pointer}` : ''}\n      ${e.message}`);
    return errors.length > 0 ? 1 : 0;
  },

  async migrate(args) {
    const { values } = parseArgs({ args, options: { status: { type: 'boolean', default: false } } });
    const config = loadConfig();
    const { ok, errors } = await prepareAll(config.plugins, config);
    for (const e of errors) out(`warning: plugin left out, its migrations will not run: ${e.message}`);
    const orm = await createOrm(ormOptionsFor(config.databaseUrl, ok));
    try {
      if (values.status) {
        for (const m of await orm.migrator.getExecuted()) out(`applied  ${m.name}`);
        for (const m of await orm.migrator.getPending()) out(`pending  ${m.name}`);
        return 0;
      }
      const pending = await orm.migrator.getPending();
      if (pending.length === 0) {
        out('nothing to migrate: the database is up to date');
        return 0;
      }
      out(`applying ${pending.length} migration(s)...`);
      const applied = await migrate(orm);
      applied.forEach((name, i) => {
        out(`  [${i + 1}/${applied.length}] ${name}`);
      });
      out('done');
      return 0;
    } finally {
      await orm.close(true);
    }
  },
};

const [command = 'help', ...rest] = process.argv.slice(2);
const run = commands[command];
if (!run) {
  out(HELP);
  process.exitCode = command === 'help' || command === '--help' || command === '-h' ? 0 : 1;
} else {
  try {
    const code = await run(rest);
    if (code >= 0) process.exitCode = code;
  } catch (e) {
    const kind = e instanceof ConfigError ? 'configuration error' : 'error';
    process.stderr.write(`switchboard ${command}: ${kind}: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
