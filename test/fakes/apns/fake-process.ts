/**
 * @module Runs a push fake in a child process, so a benchmark or fault drill does not share its event loop (or its
 * fate) with the fake. The parent forks `main.ts`, waits for the endpoint, and calls the fake's methods over IPC.
 * Without an IPC channel (started from a shell) the child prints its endpoint as one JSON line and serves until
 * SIGTERM.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FakeEndpoint {
  host: string;
  port: number;
  ca: string;
}

export interface ServableFake {
  start(port?: number, host?: string): Promise<FakeEndpoint>;
  stop(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: any function signature is allowed through.
type AnyFunction = (...args: any[]) => any;

/** The fake's methods, each answering asynchronously across the process boundary. */
export type Remote<T> = {
  [K in keyof T as T[K] extends AnyFunction ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

interface Call {
  id: number;
  method: string;
  args: unknown[];
}

/** The child side: starts the fake and answers calls until the parent goes away. */
export const serveFake = async (fake: ServableFake): Promise<void> => {
  const endpoint = await fake.start(Number(process.env.FAKE_PORT ?? 0), process.env.FAKE_HOST ?? '127.0.0.1');
  const shutdown = () => {
    fake.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  if (!process.send) {
    process.stdout.write(`${JSON.stringify({ ready: true, ...endpoint })}\n`);
    return;
  }
  process.on('disconnect', shutdown);
  process.on('message', async (call: Call) => {
    try {
      const fn = (fake as unknown as Record<string, unknown>)[call.method];
      if (typeof fn !== 'function' || call.method.startsWith('#')) throw new Error(`the fake has no method ${call.method}`);
      const result = await fn.apply(fake, call.args);
      process.send?.({ id: call.id, result });
    } catch (e) {
      process.send?.({ id: call.id, error: (e as Error).message });
    }
  });
  process.send({ ready: true, endpoint });
};

export interface FakeProcess<T> {
  endpoint: FakeEndpoint;
  remote: Remote<T>;
  child: ChildProcess;
  /** Stops the fake gracefully and waits for the process to exit. */
  stop(): Promise<void>;
}

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/**
 * @example
 * const apns = await spawnFake<FakeApns>(new URL('./main.ts', import.meta.url));
 * const key = await apns.remote.createKey({ bundleIds: ['com.example.app'] });
 */
export const spawnFake = async <T>(entry: URL, env: Record<string, string> = {}): Promise<FakeProcess<T>> => {
  const child = fork(fileURLToPath(entry), [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const endpoint = await new Promise<FakeEndpoint>((resolveReady, rejectReady) => {
    const onExit = (code: number | null) => rejectReady(new Error(`the fake at ${entry.pathname} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    child.once('error', rejectReady);
    child.on('message', (msg: { ready?: boolean; endpoint?: FakeEndpoint; id?: number; result?: unknown; error?: string }) => {
      if (msg.ready && msg.endpoint) {
        child.off('exit', onExit);
        resolveReady(msg.endpoint);
        return;
      }
      const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
      if (!waiter) return;
      pending.delete(msg.id as number);
      if (msg.error !== undefined) waiter.reject(new Error(msg.error));
      else waiter.resolve(msg.result);
    });
  });
  child.on('exit', () => {
    for (const w of pending.values()) w.reject(new Error('the fake process exited'));
    pending.clear();
  });
  const remote = new Proxy(
    {},
    {
      get:
        (_, method: string) =>
        (...args: unknown[]) =>
          new Promise((resolveCall, rejectCall) => {
            const id = ++nextId;
            pending.set(id, { resolve: resolveCall, reject: rejectCall });
            child.send({ id, method, args } satisfies Call);
          }),
    },
  ) as Remote<T>;
  return {
    endpoint,
    remote,
    child,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.disconnect();
      }),
  };
};
