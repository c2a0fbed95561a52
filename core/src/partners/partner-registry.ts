/**
 * @module The partner assets a platform serves at runtime: the PARTNERS_DIR documents (loaded at start, read-only
 * here) and the documents operators upload (stored in `sb_partner`). Every replica polls the table and applies what
 * changed — a new id, a new version, a removal, a mode switch — without a restart. An upload is read, prepared and
 * activated on the replica that receives it before anything is stored, against the ids and routes taken now.
 *
 * Uploaded assets are not in the Hono router (its routes are fixed once built): each gets its own small app,
 * found by base path when no static route matched (see `route`), and swapped for a new one atomically. A call
 * in flight keeps the app it started on, so it finishes on the old version; once its last call ended, that
 * version's proxy is closed (`close()`, when the proxy has one: its kept-alive upstream connections).
 *
 * @example
 * const registry = new PartnerRegistry({ store: new PartnerStore(orm), claims, directory, prepare, env, log,
 *   defaultTimeoutMs: 10_000, pollMs: 1000, activate, mount: (basePath, routes) => mountAsset(log, basePath, routes) });
 * await registry.start();
 * await registry.put({ type: 'operator', id: 'op_1' }, { text: yaml, format: 'yaml', id: 'weather' });
 * createApp({ ..., runtimeAssets: (c) => registry.route(c) });
 */
import type { ServerResponse } from 'node:http';
import type { Logger, Metrics } from '@switchboard/sdk';
import { NotFoundError } from '@switchboard/sdk';
import type { Context, Hono } from 'hono';
import type { Actor } from '../access/access-service.js';
import { HttpProblem } from '../http/map-error.js';
import type { MergeInput } from '../openapi/merge-documents.js';
import type { ActivePlugin } from '../plugins/activate-plugin.js';
import { LoadError } from '../plugins/load-error.js';
import { type Claims, type PreparedPlugin, type PrepareOptions, preparePlugin } from '../plugins/prepare-plugin.js';
import { warmValidators } from '../plugins/warm-validators.js';
import type { PartnerMode } from './partner-document.js';
import { asUploadProblem, loadProblem, readOnly } from './partner-problem.js';
import type { PartnerHead, PartnerStore } from './partner-store.js';
import { readPartnerText } from './read-partner.js';

export interface PartnerOperation {
  method: string;
  /** The full path on the platform, base path included. */
  path: string;
  operationId: string;
}

export interface PartnerView {
  id: string;
  title: string;
  basePath: string;
  /** `directory`: a PARTNERS_DIR file (read-only at runtime); `uploaded`: stored through the admin API or CLI. */
  source: 'directory' | 'uploaded';
  /** The uploaded document's version (1, 2, …); null for a directory file. */
  version: number | null;
  /** The operator's switch; null for a directory file (its document decides). */
  mode: PartnerMode | null;
  operationCount: number;
  operations: PartnerOperation[];
  updatedAt: string | null;
  updatedBy: string | null;
  /** Set when this replica could not load the stored version (it then serves the version it had, if any). */
  error: { code: string; pointer: string; message: string } | null;
}

export interface PartnerUpload {
  /** The document as text. */
  text: string;
  format: 'json' | 'yaml';
  /** The id the caller means (the admin API's path): the document's own must match. */
  id?: string;
  /** Default: the current version's mode, or `live`. */
  mode?: PartnerMode;
}

export interface PartnerRegistryOptions {
  store: PartnerStore;
  /** Ids and routes taken by the code plugins and the PARTNERS_DIR documents: uploads may not take them. */
  claims: Claims;
  /** The PARTNERS_DIR documents that loaded. */
  directory: PreparedPlugin[];
  prepare: Omit<PrepareOptions, 'source'>;
  env: Record<string, string | undefined>;
  log: Logger;
  defaultTimeoutMs: number;
  /** PARTNER_ALLOWED_HOSTS: which non-public upstream hosts a document may name (see ReadPartnerOptions). */
  allowedHosts?: readonly string[];
  /** The partner metrics family (upstream calls, latency, circuit state on `/metrics`). */
  metrics?: Metrics;
  /** How often the table is polled (ACCESS_POLL_MS). */
  pollMs: number;
  /** Builds what serves a prepared upload. Absent (the CLI): uploads are checked and stored, not served. */
  activate?: (prepared: PreparedPlugin) => ActivePlugin;
  /** An app answering for one base path (its routes, problem+json 404/405 and errors): see create-app.ts. */
  mount?: (basePath: string, routes: Hono) => Hono;
  /** How callers authenticate to assets, for the merged document. */
  auth?: MergeInput['auth'];
  /** The base paths of the assets loaded at start (plugins, PARTNERS_DIR): an upload may not share or nest in one. */
  takenBasePaths?: () => { id: string; basePath: string }[];
}

/** The only environment variables an uploaded document may reference (`${PARTNER_…}`). */
export const UPLOAD_ENV_PREFIX = 'PARTNER_';

/** One uploaded version this replica serves. */
interface Served {
  id: string;
  version: number;
  mode: PartnerMode;
  prepared: PreparedPlugin;
  /** The ids and routes it holds, so a check of another upload can count them. */
  claimed: Claims;
  updatedAt: Date;
  updatedBy: string;
  serve?: (c: Context) => Promise<Response>;
  inflight: number;
  retired: boolean;
}

interface Failed {
  version: number;
  mode: PartnerMode;
  error: { code: string; file: string; pointer: string; message: string };
}

/** Why a stored version did not load here: a LoadError, or the refusal an upload would have got (read-only id…). */
const failure = (e: unknown, name: string): Failed['error'] => {
  if (e instanceof HttpProblem) {
    const { code, detail, pointer } = e.problem;
    return { code, file: name, pointer: typeof pointer === 'string' ? pointer : '', message: detail ?? code };
  }
  const { code, file, pointer, message } = asLoadError(e, name);
  return { code, file, pointer, message };
};

const copyClaims = (c: Claims): Claims => ({ ids: new Map(c.ids), routes: new Map(c.routes) });

const operationsOf = (p: PreparedPlugin): PartnerOperation[] =>
  p.operations.map((op) => ({ method: op.method.toUpperCase(), path: `${p.meta.basePath}${op.path}`, operationId: op.operationId }));

/** The upstream connections of a version: the proxy exposes `close()` (its keep-alive agent). */
const releaseUpstream = (prepared: PreparedPlugin) => {
  const handlers = prepared.definition.handlers({} as never) as Record<string, unknown>;
  for (const h of new Set(Object.values(handlers ?? {}))) (h as { close?: () => void }).close?.();
};

const asLoadError = (e: unknown, name: string) =>
  e instanceof LoadError ? e : new LoadError('MANIFEST_INVALID', name, '', (e as Error)?.message ?? String(e), { cause: e });

export class PartnerRegistry {
  private readonly served = new Map<string, Served>();
  private readonly failed = new Map<string, Failed>();
  private readonly directory: Map<string, PreparedPlugin>;
  /** Base path → serve, longest first; replaced whole on every change, never mutated. */
  private mounts: { basePath: string; serve: (c: Context) => Promise<Response> }[] = [];
  /** Changes, so the merged document knows when to merge again. */
  private generation = 0;
  /** Changes and polls run one at a time: a poll never sees half an upload. */
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Validators of versions loaded from the table, compiling in the background. */
  private readonly warming = new Set<{ stop(): void }>();

  constructor(private readonly options: PartnerRegistryOptions) {
    this.directory = new Map(options.directory.map((p) => [p.meta.id, p]));
  }

  /** Loads the stored documents and starts polling. */
  async start(): Promise<void> {
    await this.sync();
    let lastWarning = 0;
    this.timer = setInterval(() => {
      this.sync().catch((err) => {
        // Once per 30 s while the database is away, not once per poll.
        if (Date.now() - lastWarning < 30_000) return;
        lastWarning = Date.now();
        this.options.log.warn({ err }, 'partner documents poll failed; serving what is loaded');
      });
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** Stops polling and closes every version's upstream connections (after the HTTP server drained). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.queue.catch(() => {});
    for (const w of this.warming) w.stop();
    for (const s of this.served.values()) releaseUpstream(s.prepared);
    this.served.clear();
    this.mounts = [];
  }

  /** Serves a request for an uploaded asset's base path; undefined when the path is none of theirs. */
  route(c: Context): Promise<Response> | undefined {
    const path = c.req.path;
    for (const m of this.mounts) if (path === m.basePath || path.startsWith(`${m.basePath}/`)) return m.serve(c);
    return undefined;
  }

  /** Changes when the set of served uploads changes. */
  get revision(): number {
    return this.generation;
  }

  /** The uploaded assets served here, as the asset list shows them. */
  assets(): { id: string; title: string; basePath: string }[] {
    return [...this.served.values()].map((s) => ({ id: s.id, title: s.prepared.meta.title, basePath: s.prepared.meta.basePath }));
  }

  /** The uploaded assets' documents, for /openapi.json. */
  documents(): MergeInput[] {
    return [...this.served.values()].map((s) => ({
      meta: s.prepared.meta,
      doc: s.prepared.published ?? s.prepared.doc,
      auth: this.options.auth,
    }));
  }

  /** Every partner asset: directory files first, then uploads (served, or failed on this replica). */
  list(): PartnerView[] {
    const views: PartnerView[] = [];
    for (const p of this.directory.values()) views.push(this.directoryView(p));
    const ids = [...new Set([...this.served.keys(), ...this.failed.keys()])].sort();
    for (const id of ids) views.push(this.uploadedView(id));
    return views;
  }

  /** One partner asset with its operations. */
  get(id: string): PartnerView {
    const dir = this.directory.get(id);
    if (dir) return this.directoryView(dir);
    if (!this.served.has(id) && !this.failed.has(id)) throw new NotFoundError('partner', id);
    return this.uploadedView(id);
  }

  /**
   * Creates or replaces an uploaded asset: read, prepared and activated here first (a document that cannot load
   * answers with its LoadError and nothing is stored), then stored with its audit entry, then served here at once;
   * the other replicas follow within their poll interval.
   */
  async put(actor: Actor, upload: PartnerUpload): Promise<{ view: PartnerView; created: boolean }> {
    return this.exclusive(async () => {
      const name = upload.format === 'json' ? 'upload.json' : 'upload.yaml';
      const { store } = this.options;
      const storedMode = async (id: string) => {
        const s = await store.get(id);
        return s && !s.removed ? s.mode : 'live';
      };
      // A replacement keeps the mode it had unless the upload says otherwise.
      let mode = upload.mode ?? (upload.id ? await storedMode(upload.id) : 'live');
      const read = (m: PartnerMode) =>
        this.read(upload.text, name, m, upload.id, true).catch((e) => {
          throw asUploadProblem(e);
        });
      let { prepared, claimed } = await read(mode);
      if (!upload.mode && !upload.id && (await storedMode(prepared.meta.id)) !== mode) {
        mode = await storedMode(prepared.meta.id);
        ({ prepared, claimed } = await read(mode));
      }
      const id = prepared.meta.id;
      const stored = await store.get(id);
      const expected = stored && !stored.removed ? stored.version : 0;
      const serve = this.activate(prepared, name);
      const { version, created } = await store.put(actor, {
        id,
        document: upload.text,
        format: upload.format,
        mode,
        expected,
      });
      this.install({ id, version, mode, prepared, claimed, updatedAt: new Date(), updatedBy: `${actor.type}:${actor.id}` }, serve);
      this.options.log.info(
        { asset: id, version, mode, actor: `${actor.type}:${actor.id}` },
        created ? 'partner added' : 'partner replaced',
      );
      return { view: this.uploadedView(id), created };
    });
  }

  /** Removes an uploaded asset: calls in flight finish, new ones get 404 here now and on the others within a poll. */
  async remove(actor: Actor, id: string): Promise<void> {
    await this.exclusive(async () => {
      const stored = await this.options.store.get(id);
      // An upload shadowed by a PARTNERS_DIR file of its id (added later) can still be removed; the file cannot.
      const dir = this.directory.get(id);
      if ((!stored || stored.removed) && dir) throw readOnly(id, dir.manifestFile);
      if (!stored || stored.removed) throw new NotFoundError('partner', id);
      await this.options.store.remove(actor, id, stored.version);
      this.uninstall(id);
      this.options.log.info({ asset: id, actor: `${actor.type}:${actor.id}` }, 'partner removed');
    });
  }

  /** Switches an uploaded asset between live and mock: the stored document, read again with the new mode. */
  async setMode(actor: Actor, id: string, mode: PartnerMode): Promise<PartnerView> {
    return this.exclusive(async () => {
      const dir = this.directory.get(id);
      if (dir) throw readOnly(id, dir.manifestFile);
      const stored = await this.options.store.get(id);
      if (!stored || stored.removed) throw new NotFoundError('partner', id);
      const name = `${id}@v${stored.version}.${stored.format}`;
      const { prepared, claimed } = await this.read(stored.document, name, mode, id, false).catch((e) => {
        throw asUploadProblem(e);
      });
      const serve = this.activate(prepared, name);
      await this.options.store.setMode(actor, id, mode, stored.version);
      this.warm(prepared);
      const updatedBy = `${actor.type}:${actor.id}`;
      this.install({ id, version: stored.version, mode, prepared, claimed, updatedAt: new Date(), updatedBy }, serve);
      this.options.log.info({ asset: id, mode, actor: updatedBy }, 'partner mode switched');
      return this.uploadedView(id);
    });
  }

  /** Applies what changed in the table since the last poll. */
  sync(): Promise<void> {
    return this.exclusive(() => this.apply());
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }

  private async apply(): Promise<void> {
    const heads = (await this.options.store.heads()).filter((h) => !h.removed).sort((a, b) => a.id.localeCompare(b.id));
    const present = new Set(heads.map((h) => h.id));
    // Removals first: a removed asset's routes may be what a new version of another one takes.
    let changed = false;
    for (const id of [...this.served.keys(), ...this.failed.keys()]) {
      if (present.has(id)) continue;
      this.uninstall(id);
      changed = true;
    }
    // Loading one version can free or take routes another needs (a path moved from one asset to another within a
    // poll): go round again while a pass changed what is served, retrying the versions that failed meanwhile.
    for (let pass = 0; pass < heads.length + 1; pass++) {
      let progressed = false;
      for (const head of heads) {
        const served = this.served.get(head.id);
        if (served && served.version === head.version && served.mode === head.mode) continue;
        // A version that failed is not tried again every poll (the one served before it stays), only after a change.
        const failed = this.failed.get(head.id);
        if (failed && failed.version === head.version && failed.mode === head.mode && !changed) continue;
        await this.load(head);
        if (this.served.get(head.id) !== served) progressed = true;
      }
      if (!progressed) break;
      changed = true;
    }
  }

  /** Loads a stored version this replica does not serve yet; one that cannot load is logged and remembered. */
  private async load(head: PartnerHead): Promise<void> {
    const stored = await this.options.store.get(head.id);
    if (!stored || stored.removed) return;
    const name = `${stored.id}@v${stored.version}.${stored.format}`;
    try {
      const { prepared, claimed } = await this.read(stored.document, name, stored.mode, stored.id, false);
      const serve = this.activate(prepared, name);
      this.install({ ...stored, prepared, claimed }, serve);
      this.warm(prepared);
      this.options.log.info({ asset: stored.id, version: stored.version, mode: stored.mode }, 'partner loaded');
    } catch (e) {
      const error = failure(e, name);
      // The version served before (if any) stays: a replica without a secret the new one needs keeps answering.
      this.failed.set(stored.id, { version: stored.version, mode: stored.mode, error });
      this.options.log.error(
        { asset: stored.id, version: stored.version, code: error.code, file: error.file, pointer: error.pointer },
        error.message,
      );
    }
  }

  /**
   * Reads and prepares a document against the ids and routes taken now, except by the version it replaces. `eager`
   * compiles every validator now (an upload is checked whole before it is stored); a version loaded from the table
   * was checked so when it was uploaded, and compiles in the background (`warm`): a 3 MB vendor document is served
   * in under a second instead of three.
   */
  private async read(text: string, name: string, mode: PartnerMode, expectedId: string | undefined, eager: boolean) {
    const { env, log, defaultTimeoutMs, allowedHosts, metrics } = this.options;
    const source = await readPartnerText(text, name, {
      env,
      log,
      defaultTimeoutMs,
      mode,
      allowedHosts,
      metrics,
      envPrefix: UPLOAD_ENV_PREFIX,
    });
    const info = (source.doc.info ?? {}) as { 'x-switchboard'?: { id?: string } };
    const id = info['x-switchboard']?.id ?? '';
    if (expectedId !== undefined && id !== expectedId) {
      throw new HttpProblem({
        status: 422,
        code: 'PARTNER_ID_MISMATCH',
        title: 'Unprocessable Content',
        detail: `The document's x-switchboard id is '${id}', not '${expectedId}'.`,
        pointer: '/x-switchboard/id',
        errors: [{ pointer: '/x-switchboard/id', message: `must be '${expectedId}'` }],
      });
    }
    const dir = this.directory.get(id);
    if (dir) throw readOnly(id, dir.manifestFile);
    const claims = copyClaims(this.options.claims);
    for (const s of this.served.values()) {
      if (s.id === id) continue;
      for (const [k, v] of s.claimed.ids) claims.ids.set(k, v);
      for (const [k, v] of s.claimed.routes) claims.routes.set(k, v);
    }
    const before = copyClaims(claims);
    const prepared = await preparePlugin(name, claims, { ...this.options.prepare, lazyValidators: !eager, source });
    this.checkBasePath(id, prepared.meta.basePath, name);
    const claimed: Claims = {
      ids: new Map([...claims.ids].filter(([k]) => !before.ids.has(k))),
      routes: new Map([...claims.routes].filter(([k]) => !before.routes.has(k))),
    };
    return { prepared, claimed };
  }

  /**
   * An upload's base path may not be, contain or lie inside another asset's: requests are handed to the first
   * upload whose base path matches, so two sharing one would hide each other's operations.
   */
  private checkBasePath(id: string, basePath: string, name: string): void {
    const nested = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
    const others = [
      ...(this.options.takenBasePaths?.() ?? []),
      ...[...this.served.values()].filter((s) => s.id !== id).map((s) => ({ id: s.id, basePath: s.prepared.meta.basePath })),
    ];
    const clash = others.find((o) => o.id !== id && nested(basePath, o.basePath));
    if (clash) {
      throw loadProblem(
        new LoadError(
          'ROUTE_CONFLICT',
          name,
          '/x-switchboard/basePath',
          `'${basePath}' overlaps the base path '${clash.basePath}' of '${clash.id}'`,
        ),
      );
    }
  }

  /** Activates a prepared version and wraps it for serving; a handler that does not fit is a LoadError (422). */
  private activate(prepared: PreparedPlugin, name: string): ((entry: Served) => (c: Context) => Promise<Response>) | undefined {
    const { activate, mount } = this.options;
    if (!activate || !mount) return undefined;
    let app: Hono;
    try {
      app = mount(prepared.meta.basePath, activate(prepared).routes);
    } catch (e) {
      throw asUploadProblem(asLoadError(e, name));
    }
    return (entry) => (c) => {
      entry.inflight += 1;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        entry.inflight -= 1;
        if (entry.retired && entry.inflight === 0) releaseUpstream(entry.prepared);
      };
      // Over HTTP a call ends when its response (a streamed body too) is written out or the client goes away.
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      outgoing?.once('close', end);
      return Promise.resolve(app.fetch(c.req.raw, c.env)).then(
        (res) => {
          if (!outgoing) end();
          return res;
        },
        (err) => {
          end();
          throw err;
        },
      );
    };
  }

  private warm(prepared: PreparedPlugin): void {
    if (!this.options.activate) return;
    const w = warmValidators([prepared], this.options.log);
    this.warming.add(w);
    void w.done.then(() => this.warming.delete(w));
  }

  private install(
    entry: Omit<Served, 'inflight' | 'retired' | 'serve'>,
    serve: ((entry: Served) => (c: Context) => Promise<Response>) | undefined,
  ): void {
    const next: Served = { ...entry, inflight: 0, retired: false };
    next.serve = serve?.(next);
    const old = this.served.get(entry.id);
    this.served.set(entry.id, next);
    this.failed.delete(entry.id);
    this.remount();
    if (old) this.retire(old);
  }

  private uninstall(id: string): void {
    const old = this.served.get(id);
    this.served.delete(id);
    this.failed.delete(id);
    this.remount();
    if (old) this.retire(old);
  }

  private retire(old: Served): void {
    old.retired = true;
    if (old.inflight === 0) releaseUpstream(old.prepared);
  }

  private remount(): void {
    this.mounts = [...this.served.values()]
      .filter((s) => s.serve)
      .map((s) => ({ basePath: s.prepared.meta.basePath, serve: s.serve as (c: Context) => Promise<Response> }))
      .sort((a, b) => b.basePath.length - a.basePath.length);
    this.generation += 1;
  }

  private directoryView(p: PreparedPlugin): PartnerView {
    const operations = operationsOf(p);
    return {
      id: p.meta.id,
      title: p.meta.title,
      basePath: p.meta.basePath,
      source: 'directory',
      version: null,
      mode: null,
      operationCount: operations.length,
      operations,
      updatedAt: null,
      updatedBy: null,
      error: null,
    };
  }

  private uploadedView(id: string): PartnerView {
    const s = this.served.get(id);
    const f = this.failed.get(id);
    const operations = s ? operationsOf(s.prepared) : [];
    return {
      id,
      title: s?.prepared.meta.title ?? id,
      basePath: s?.prepared.meta.basePath ?? '',
      source: 'uploaded',
      version: s?.version ?? f?.version ?? null,
      mode: s?.mode ?? f?.mode ?? null,
      operationCount: operations.length,
      operations,
      updatedAt: s ? s.updatedAt.toISOString() : null,
      updatedBy: s?.updatedBy ?? null,
      error: f ? { code: f.error.code, pointer: f.error.pointer, message: f.error.message } : null,
    };
  }
}
