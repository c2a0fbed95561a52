/** @jsxImportSource hono/jsx */
/** @module The audit log, newest first, a page at a time. Secrets never reach it: the services leave them out. */
import type { Child } from 'hono/jsx';
import { Layout } from '../views/layout.js';
import { CONSOLE, CONSOLE_NAV } from './console-ui.js';

export interface AuditRow {
  id: number;
  at: Date;
  actorType: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
}

const json = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v));

export const AuditPage = ({ account, entries, next }: { account: Child; entries: AuditRow[]; next: number | null }) => (
  <Layout title="Audit log" ui={CONSOLE} nav={CONSOLE_NAV} current="/console/audit" account={account}>
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">When (UTC)</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr data-audit={e.action}>
              <td>{new Date(e.at).toISOString().slice(0, 19).replace('T', ' ')}</td>
              <td>
                {e.actorType} <code>{e.actorId}</code>
              </td>
              <td>{e.action}</td>
              <td>
                {e.targetType} <code>{e.targetId}</code>
              </td>
              <td>
                <details>
                  <summary>before / after</summary>
                  <pre>{json(e.before)}</pre>
                  <pre>{json(e.after)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
    {next !== null && (
      <p>
        <a href={`/console/audit?before=${next}`}>Older entries</a>
      </p>
    )}
  </Layout>
);
