/** @module Child servers for the benchmark: free ports, spawning with the repo's Node and tsx, readiness, stopping. */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The Node the repo pins (devDependency `node`); the system one may be too old. */
export const NODE = resolve(ROOT, 'node_modules/.bin/node');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A port nothing listens on right now (the kernel picks it). */
export const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => ok(port));
    });
  });

export interface HttpAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request without keep-alive; rejects on connection errors (e.g. nothing listening yet). */
export const httpRequest = (
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> =>
  new Promise((ok, fail) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        agent: false,
        headers: {
          ...init.headers,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(init.body) }),
        },
        timeout: init.timeoutMs ?? 2000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', fail);
    req.end(init.body);
  });

/**
 * What a child inherits from the shell: enough to run Node, nothing that configures Switchboard. A setting exported
 * in the shell (ACCESS_CONTROL, AMQP_URL, NODE_OPTIONS, …) must not change what is measured; the benchmark sets
 * every variable that matters itself.
 */
const INHERITED = /^(PATH|HOME|USER|LOGNAME|SHELL|TMPDIR|TMP|TEMP|TZ|LANG|LC_[A-Z]+|TERM|NODE_EXTRA_CA_CERTS|TSX_[A-Z_]+)$/;

/** A child's environment: the inherited basics plus `env`. */
export const childEnv = (env: Record<string, string>): NodeJS.ProcessEnv => {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (INHERITED.test(k)) base[k] = v;
  return { ...base, ...env };
};

export interface Child {
  name: string;
  proc: ChildProcess;
  /** What the child wrote to stderr so far (kept for error messages). */
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Spawns `node [nodeArgs] --import tsx <script>` from the repo root. `stdout` is a file descriptor or 'ignore'. */
export const spawnNode = (
  name: string,
  script: string,
  env: Record<string, string>,
  { stdout = 'ignore', nodeArgs = [] }: { stdout?: number | 'ignore'; nodeArgs?: string[] } = {},
): Child => {
  const proc = spawn(NODE, [...nodeArgs, '--import', 'tsx', script], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', stdout, 'pipe'] });
  let err = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    err = (err + chunk).slice(-20_000);
  });
  const exited = new Promise<number | null>((ok) => proc.once('exit', (code) => ok(code)));
  return { name, proc, stderr: () => err, exited };
};

/** Polls `url` every `everyMs` until it answers 200; throws if the child exits or `timeoutMs` passes. */
export const waitFor200 = async (child: Child, url: string, { everyMs = 5, timeoutMs = 60_000 } = {}): Promise<void> => {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`${child.name} exited before answering ${url}:\n${child.stderr()}`);
    const status = await httpRequest(url, { timeoutMs: 1000 }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (status !== 0) throw new Error(`${child.name} answered ${status} to ${url}:\n${child.stderr()}`);
    if (performance.now() > deadline) throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n${child.stderr()}`);
    await sleep(everyMs);
  }
};

let clockTicks: number | undefined;

/**
 * CPU time (user + system) a process has used so far, in milliseconds, from /proc; null where there is no /proc.
 * Server CPU per request is steadier than requests/s on a small machine where wrk competes for the same cores.
 */
export const cpuTimeMs = (pid: number | undefined): number | null => {
  if (pid === undefined) return null;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return null;
  }
};

/** Runs `switchboard <args>` (core/src/cli/main.ts) with `env`; resolves with its stdout, rejects with its stderr. */
export const runCli = (args: string[], env: Record<string, string>): Promise<string> =>
  new Promise((ok, fail) => {
    execFile(
      NODE,
      ['--import', 'tsx', 'core/src/cli/main.ts', ...args],
      { cwd: ROOT, env: childEnv(env), timeout: 60_000 },
      (err, stdout, stderr) => (err ? fail(new Error(`switchboard ${args.join(' ')}: ${stderr || err.message}`)) : ok(stdout)),
    );
  });

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export const stopChild = async (child: Child, graceMs = 5000): Promise<void> => {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
};
