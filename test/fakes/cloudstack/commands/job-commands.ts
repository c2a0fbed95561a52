/** @module queryAsyncJobResult: jobstatus 0 pending (no jobresult), 1 success, 2 failure with errorcode and errortext. */
import type { Handler } from '../fake-context.js';

export const jobCommands: Record<string, Handler> = {
  queryAsyncJobResult: (p, { state }) => {
    const job = p.entity('jobid', state.jobs);
    const { jobresult, ...rest } = job;
    return job.jobstatus === 0 ? rest : { ...rest, jobresult };
  },
};
