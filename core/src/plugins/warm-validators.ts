/**
 * @module Compiles the validators of lazily prepared plugins in the background after start, a few operations per
 * turn of the event loop so requests keep being served meanwhile. A schema that does not compile is reported as
 * loudly as a load error would be; its operation answers 500 until the manifest is fixed.
 */
import type { Logger } from '@switchboard/sdk';
import { LoadError } from './load-error.js';
import type { PreparedPlugin } from './prepare-plugin.js';

const PER_TURN = 25;

/** Starts compiling; resolves when done. `stop()` ends it early (shutdown). */
export const warmValidators = (plugins: PreparedPlugin[], log: Logger): { done: Promise<number>; stop(): void } => {
  let stopped = false;
  const ops = plugins.flatMap((p) => p.operations.map((op) => ({ op, plugin: p.meta.id })));
  const done = new Promise<number>((resolve) => {
    let i = 0;
    let failed = 0;
    const turn = () => {
      if (stopped) return resolve(failed);
      for (const end = Math.min(i + PER_TURN, ops.length); i < end; i++) {
        const { op, plugin } = ops[i];
        try {
          op.compileNow();
        } catch (e) {
          failed++;
          const err = e instanceof LoadError ? e : new LoadError('SCHEMA_COMPILE_FAILED', '', op.pointer, String(e));
          log.error(
            { code: err.code, file: err.file, pointer: err.pointer, plugin },
            `${err.message} — ${plugin}.${op.operationId} answers 500 until its manifest is fixed (run \`switchboard check\`)`,
          );
        }
      }
      if (i < ops.length) setImmediate(turn);
      else resolve(failed);
    };
    setImmediate(turn);
  });
  return {
    done,
    stop() {
      stopped = true;
    },
  };
};
