/**
 * @module `npx switchboard partners …`: partner assets from the command line, through the same PartnerRegistry as
 * the admin API and the console — an upload is read and checked against the configured plugins, PARTNERS_DIR and
 * the other stored documents before it is stored, and audited as `system:cli`. Running replicas pick the change up
 * within their poll interval (ACCESS_POLL_MS).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { CoreConfig } from '../config/config.js';
import { createOrm, ormOptionsFor } from '../db/create-orm.js';
import { HttpProblem } from '../http/map-error.js';
import { createLogger } from '../logging/create-logger.js';
import type { PartnerMode } from '../partners/partner-document.js';
import type { PartnerView } from '../partners/partner-registry.js';
import { newClaims, type PreparedPlugin, preparePlugin } from '../plugins/prepare-plugin.js';

export const PARTNERS_HELP = `  partners list
  partners put FILE [--mode live|mock]      Add a partner document, or replace it with a new version
  partners remove ASSET_ID                  Remove an uploaded partner asset
  partners mode ASSET_ID live|mock          Proxy to the upstream, or answer from the document`;

export interface PartnerCliDeps {
  out: (line: string) => void;
  loadConfig: () => CoreConfig;
}

const ACTOR = { type: 'system' as const, id: 'cli' };
const MODES = ['live', 'mock'];

const line = (p: PartnerView) =>
  [
    p.id.padEnd(20),
    p.source.padEnd(9),
    (p.version === null ? '-' : `v${p.version}`).padEnd(5),
    (p.mode ?? '-').padEnd(5),
    `${p.operationCount} ops`.padEnd(9),
    p.basePath,
    p.error ? `  NOT LOADED: ${p.error.message}` : '',
  ].join(' ');

export const partnerCommands = ({ out, loadConfig }: PartnerCliDeps): Record<string, (args: string[]) => Promise<number>> => ({
  async partners(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { mode: { type: 'string' } } });
    const [verb, target, mode] = positionals;
    const ok =
      verb === 'list' ||
      (verb === 'put' && target && (values.mode === undefined || MODES.includes(values.mode))) ||
      (verb === 'remove' && target) ||
      (verb === 'mode' && target && MODES.includes(mode));
    if (!ok) throw new Error(`usage:\n${PARTNERS_HELP}`);

    // Imported here: the partner reader (Swagger conversion, mocks) would add half a second to every other command.
    const [{ loadPartners }, { PartnerRegistry }, { PartnerStore }] = await Promise.all([
      import('../partners/load-partners.js'),
      import('../partners/partner-registry.js'),
      import('../partners/partner-store.js'),
    ]);
    const config = loadConfig();
    // Warnings (repairs of a vendor document) go to stderr, so stdout stays the command's answer.
    const log = createLogger({ level: 'warn', destination: pino.destination(2) });
    const prepare = {
      rootDir: config.rootDir,
      pluginConfig: config.pluginConfig,
      configSources: config.pluginConfigSources,
      compileResponses: false,
      lazyValidators: true,
    };
    // What an upload may not take: the configured plugins' ids and routes, and PARTNERS_DIR's.
    const claims = newClaims();
    const plugins: PreparedPlugin[] = [];
    for (const specifier of config.plugins) {
      try {
        plugins.push(await preparePlugin(specifier, claims, prepare));
      } catch {
        // A plugin that cannot load does not load on the platform either: it claims nothing.
      }
    }
    const common = { log, env: process.env, defaultTimeoutMs: config.httpTimeoutMs, allowedHosts: config.partnerAllowedHosts };
    const directory = await loadPartners({ dir: config.partnersDir, claims, prepare, ...common });
    const orm = await createOrm(ormOptionsFor(config.databaseUrl, plugins));
    const registry = new PartnerRegistry({
      store: new PartnerStore(orm),
      claims,
      directory: directory.prepared,
      prepare,
      ...common,
      pollMs: config.accessPollMs,
    });
    try {
      await registry.sync();
      if (verb === 'list') {
        for (const p of registry.list()) out(line(p));
      } else if (verb === 'put') {
        const text = await readFile(target, 'utf8');
        const format = target.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
        const { view, created } = await registry.put(ACTOR, { text, format, mode: values.mode as PartnerMode | undefined });
        out(
          `${created ? 'added' : 'replaced'} ${view.id} v${view.version} (${view.mode}, ${view.operationCount} operations) at ${view.basePath}`,
        );
        out('Running replicas serve it within their poll interval.');
      } else if (verb === 'remove') {
        await registry.remove(ACTOR, target);
        out(`removed ${target}`);
      } else {
        const view = await registry.setMode(ACTOR, target, mode as PartnerMode);
        out(`${view.id} v${view.version} is now ${view.mode}`);
      }
      return 0;
    } catch (e) {
      // The admin API's answer, as a line: its code first (XSB_INVALID, ROUTE_CONFLICT, PARTNER_READ_ONLY, …).
      const code = e instanceof HttpProblem ? e.problem.code : (e as { code?: unknown }).code;
      const message = (e as Error).message;
      throw typeof code === 'string' && !message.startsWith(code) ? new Error(`${code}: ${message}`, { cause: e }) : e;
    } finally {
      await registry.stop();
      await orm.close(true);
    }
  },
});
