/**
 * @module Starts `core/src/main.ts` as a real process (as `npm start` does) on a free port, for tests that need
 * separate replicas or real signals. Resolves once the banner says it listens; rejects with its output otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface CoreProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

export const startCore = async (env: Record<string, string>): Promise<CoreProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'core/src/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ACCESS_LOG: 'off',
      PORT: '0',
      HOST: '127.0.0.1',
      SWITCHBOARD_CONFIG: '',
      DEMO_APP: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => {
    out += d;
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the core did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exited.then(([code]) => {
      clearTimeout(t);
      reject(new Error(`the core exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
};
