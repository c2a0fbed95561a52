/** @module Starts and stops replica processes (test/background/replica.ts) for the multi-replica tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface Replica {
  id: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for the exit (graceful drain). */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** A replica that may die at any time (even before it is ready): resolves `exited` with its exit code or signal. */
export const spawnReplica = (id: string, env: Record<string, string>): Replica & { exited: Promise<string> } => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/background/replica.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SWITCHBOARD_CONFIG: '',
      SWITCHBOARD_PLUGINS: './test/background/fixtures/bgtest',
      REPLICA_ID: id,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = once(child, 'exit').then(([code, signal]) => String(signal ?? code));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    id,
    child,
    exited,
    output: () => out,
    stop: async () => {
      if (!alive()) return;
      child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
};

export const startReplica = async (id: string, env: Record<string, string>): Promise<Replica> => {
  const replica = spawnReplica(id, env);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`replica ${id} did not start in 30 s:\n${replica.output()}`)), 30_000);
    const check = () => {
      if (replica.output().includes('ready\n')) {
        clearTimeout(t);
        resolve();
      }
    };
    replica.child.stdout?.on('data', check);
    void replica.exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`replica ${id} exited with ${code}:\n${replica.output()}`));
    });
  });
  return replica;
};
