/**
 * @module Lets one task at a time run alone in the process: a solo task waits until every shared task finished and
 * holds new ones back until it is done. A process death during a solo task is then that task's doing — which is how
 * the RabbitMQ adapter tells a poison message from the messages that happened to be in flight with it.
 */

export interface SoloGate {
  /** Takes a shared turn if one is free right now (the common case, without a promise); else false. */
  tryShared(): boolean;
  /** Waits for a shared turn (none while a solo task runs or waits). */
  shared(): Promise<void>;
  /**
   * Waits to run alone. Resolves true once alone, or false after `maxWaitMs` if shared tasks are still running (a
   * hung handler must not stall the whole process): the caller then runs as a shared task.
   */
  solo(maxWaitMs?: number): Promise<boolean>;
  /** Ends a task: `alone` is what `solo` resolved to (false for shared tasks). */
  leave(alone: boolean): void;
}

export const createSoloGate = (): SoloGate => {
  let running = 0;
  let soloActive = false;
  const soloWaiters: ((alone: boolean) => void)[] = [];
  let sharedWaiters: (() => void)[] = [];

  const pump = () => {
    if (soloActive) return;
    if (soloWaiters.length > 0) {
      if (running === 0) {
        soloActive = true;
        soloWaiters.shift()?.(true);
      }
      return;
    }
    if (sharedWaiters.length === 0) return;
    const waiting = sharedWaiters;
    sharedWaiters = [];
    for (const w of waiting) w();
  };

  return {
    tryShared() {
      if (soloActive || soloWaiters.length > 0) return false;
      running++;
      return true;
    },
    async shared() {
      while (soloActive || soloWaiters.length > 0) await new Promise<void>((r) => sharedWaiters.push(r));
      running++;
    },
    solo(maxWaitMs = 30_000) {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          const i = soloWaiters.indexOf(settle);
          if (i < 0) return;
          soloWaiters.splice(i, 1);
          running++;
          resolve(false);
          pump();
        }, maxWaitMs);
        timer.unref();
        const settle = (alone: boolean) => {
          clearTimeout(timer);
          resolve(alone);
        };
        soloWaiters.push(settle);
        pump();
      });
    },
    leave(alone) {
      if (alone) soloActive = false;
      else running--;
      pump();
    },
  };
};
