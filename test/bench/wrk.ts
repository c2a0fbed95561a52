/** @module Finds wrk on PATH, runs it and parses its `--latency` report. */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const WRK_MISSING = [
  'wrk was not found on PATH; the benchmark needs it to generate load.',
  'Install it with one of:',
  '  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y wrk',
  '  Fedora:         sudo dnf install wrk',
  '  macOS:          brew install wrk',
  '  from source:    https://github.com/wg/wrk (make, then put ./wrk on PATH)',
].join('\n');

/** The absolute path of `wrk`, or throws with how to install it. */
export const findWrk = (): string => {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, 'wrk');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  throw new Error(WRK_MISSING);
};

/** `wrk 4.1.0`, from the first line of its usage text. */
export const wrkVersion = async (wrk: string): Promise<string> => {
  // wrk prints its version in the usage text and exits 1 when given no URL.
  const out = await run(wrk, ['--version']).then(
    (r) => r.stdout + r.stderr,
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
  );
  return out.match(/wrk\s+(\S+)/)?.[1] ?? 'unknown';
};

export interface WrkResult {
  rps: number;
  latencyMs: { p50: number; p75: number; p90: number; p99: number };
  requests: number;
  non2xx: number;
  socketErrors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

const toMs = (value: string, unit: string): number => Number(value) * UNIT_MS[unit];

/** Parses wrk's text report (run with `--latency`). */
export const parseWrk = (text: string): WrkResult => {
  const percentile = (p: number): number => {
    const m = text.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
    if (!m) throw new Error(`wrk output has no ${p}% latency line (was --latency passed?):\n${text}`);
    return toMs(m[1], m[2]);
  };
  const rps = text.match(/^Requests\/sec:\s+([\d.]+)/m);
  const requests = text.match(/^\s+(\d+) requests in/m);
  if (!rps || !requests) throw new Error(`cannot parse wrk output:\n${text}`);
  const non2xx = Number(text.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  const socket = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    rps: Number(rps[1]),
    latencyMs: { p50: percentile(50), p75: percentile(75), p90: percentile(90), p99: percentile(99) },
    requests: Number(requests[1]),
    non2xx,
    socketErrors: socket ? socket.slice(1).reduce((n, s) => n + Number(s), 0) : 0,
  };
};

export interface WrkOptions {
  wrk: string;
  url: string;
  seconds: number;
  threads: number;
  connections: number;
  /** A wrk Lua script (method, body, headers). */
  script?: string;
  /** Request headers, e.g. an API key. */
  headers?: Record<string, string>;
}

/** Runs one wrk round; a round with non-2xx answers or socket errors is a failed measurement, not a figure. */
export const runWrk = async ({ wrk, url, seconds, threads, connections, script, headers = {} }: WrkOptions): Promise<WrkResult> => {
  const args = [
    `-t${threads}`,
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    ...(script ? ['-s', script] : []),
    url,
  ];
  const { stdout } = await run(wrk, args, { timeout: (seconds + 30) * 1000 });
  const result = parseWrk(stdout);
  if (result.non2xx > 0 || result.socketErrors > 0) {
    throw new Error(
      `wrk ${args.join(' ').replace(/sbk_\S+/g, 'sbk_…')}: ${result.non2xx} non-2xx answers, ${result.socketErrors} socket errors\n${stdout}`,
    );
  }
  return result;
};
