/** @module What a command handler gets: the state, the request's method, and async jobs. */
import { randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';
import { csDate, type FakeState, type Job, type Json } from './fake-state.js';
import type { Params } from './params.js';

export interface FakeContext {
  state: FakeState;
  method: 'GET' | 'POST';
  /**
   * Queues an async job. `begin` runs now (its throw fails the job, as CloudStack's checks inside the job do); the
   * function it returns runs after the job delay and gives the `jobresult` (or throws for a failed job).
   */
  job(spec: { cmd: string; type: string; id?: string }, begin: () => () => Json): Job;
  /** Runs `fn` after the job delay (e.g. the final removal of an expunged VM). */
  later(fn: () => void): void;
}

export type Handler = (p: Params, ctx: FakeContext) => Json;

const failure = (e: unknown) =>
  e instanceof ApiError
    ? { errorcode: e.code, errortext: e.text }
    : { errorcode: 530, errortext: e instanceof Error ? e.message : String(e) };

export const createJobs = (state: FakeState, delayMs: () => number, timers: Set<NodeJS.Timeout>) => {
  const later = (fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, delayMs());
    timers.add(t);
  };
  const job: FakeContext['job'] = ({ cmd, type, id }, begin) => {
    const j: Job = {
      jobid: randomUUID(),
      cmd: `org.apache.cloudstack.api.command.user.${cmd}`,
      jobstatus: 0,
      jobresultcode: 0,
      jobresulttype: 'object',
      jobinstancetype: type,
      ...(id ? { jobinstanceid: id } : {}),
      created: csDate(),
      userid: state.account.id,
      accountid: state.account.id,
    };
    state.jobs.set(j.jobid, j);
    const end = (status: 1 | 2, result: Json) =>
      Object.assign(j, { jobstatus: status, jobresultcode: status === 1 ? 0 : result.errorcode, jobresult: result, completed: csDate() });
    try {
      const finish = begin();
      later(() => {
        try {
          end(1, finish());
        } catch (e) {
          end(2, failure(e));
        }
      });
    } catch (e) {
      end(2, failure(e));
    }
    return j;
  };
  return { job, later };
};
