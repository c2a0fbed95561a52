/** @jsxImportSource hono/jsx */
/** @module Scheduled jobs with their last run and a "run now" button, and one job's run history. */
import type { Child } from 'hono/jsx';
import type { JobRunView, JobView } from '../../background/background-admin.js';
import { ActionButton, Notice } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { CONSOLE, CONSOLE_NAV } from './console-ui.js';

const when = (iso: string | null) => (iso ? iso.slice(0, 19).replace('T', ' ') : '—');

const Outcome = ({ run }: { run: JobRunView | null }) =>
  run ? (
    <>
      <span class={`state ${run.outcome}`}>{run.outcome}</span> {when(run.startedAt)} ({run.trigger}){run.error && <div>{run.error}</div>}
    </>
  ) : (
    <>never ran</>
  );

export const JobsPage = ({
  csrf,
  account,
  canChange,
  jobs,
  notice,
}: {
  csrf: string;
  account: Child;
  canChange: boolean;
  jobs: JobView[];
  notice?: string;
}) => (
  <Layout title="Scheduled jobs" ui={CONSOLE} nav={CONSOLE_NAV} current="/console/jobs" account={account}>
    {notice && <Notice kind="ok">{notice}</Notice>}
    {jobs.length === 0 ? (
      <p>No asset has scheduled jobs.</p>
    ) : (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Schedule</th>
              <th scope="col">Next due (UTC)</th>
              <th scope="col">Last run (UTC)</th>
              {canChange && <th scope="col">Run</th>}
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr data-job={j.key}>
                <th scope="row">
                  <a href={`/console/jobs/${encodeURIComponent(j.key)}`}>{j.name}</a> <code>{j.assetId}</code> ({j.scope})
                  {j.running && (
                    <div>
                      <span class="state running">running</span>
                    </div>
                  )}
                </th>
                <td>
                  <code>{j.schedule}</code>
                </td>
                <td>{when(j.nextDue)}</td>
                <td>
                  <Outcome run={j.lastRun} />
                </td>
                {canChange && (
                  <td>
                    <ActionButton
                      action={`/console/jobs/${encodeURIComponent(j.key)}/run`}
                      csrf={csrf}
                      label="Run now"
                      ariaLabel={`Run ${j.key} now`}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </Layout>
);

export const JobRunsPage = ({ account, job, runs }: { account: Child; job: string; runs: JobRunView[] }) => (
  <Layout title={`Runs of ${job}`} ui={CONSOLE} nav={CONSOLE_NAV} current="/console/jobs" account={account}>
    {runs.length === 0 ? (
      <p>No runs yet.</p>
    ) : (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Started (UTC)</th>
              <th scope="col">Finished</th>
              <th scope="col">Outcome</th>
              <th scope="col">Trigger</th>
              <th scope="col">Replica</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr>
                <td>{when(r.startedAt)}</td>
                <td>{when(r.finishedAt)}</td>
                <td>
                  <span class={`state ${r.outcome}`}>{r.outcome}</span>
                  {r.error && <div>{r.error}</div>}
                </td>
                <td>{r.trigger}</td>
                <td>
                  <code>{r.replica}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </Layout>
);
