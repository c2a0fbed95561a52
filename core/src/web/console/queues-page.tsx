/** @jsxImportSource hono/jsx */
/** @module Queues with their depth, and each queue's dead letters with replay and drop. */
import type { Child } from 'hono/jsx';
import type { DeadLetterView } from '../../background/background-admin.js';
import type { QueueDepth } from '../../background/queue-adapter.js';
import { ActionButton, Notice } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { CONSOLE, CONSOLE_NAV } from './console-ui.js';

export interface QueuesPageProps {
  csrf: string;
  account: Child;
  canChange: boolean;
  adapter: string;
  queues: (QueueDepth & { deadLetters: DeadLetterView[] })[];
  notice?: string;
}

/** A payload preview: enough to recognise the message, short enough for a table. */
const preview = (payload: unknown) => {
  const text = JSON.stringify(payload) ?? '';
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
};

export const QueuesPage = ({ csrf, account, canChange, adapter, queues, notice }: QueuesPageProps) => (
  <Layout title="Queues" ui={CONSOLE} nav={CONSOLE_NAV} current="/console/queues" account={account}>
    {notice && <Notice kind="ok">{notice}</Notice>}
    <p>
      Adapter: <strong>{adapter}</strong>
    </p>
    {queues.length === 0 ? (
      <p>No asset has queue workers.</p>
    ) : (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Ready</th>
              <th scope="col">In flight</th>
              <th scope="col">Dead</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr data-queue={q.queue}>
                <th scope="row">
                  <code>{q.queue}</code>
                </th>
                <td>{q.ready}</td>
                <td>{q.inFlight}</td>
                <td>{q.dead}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    {queues
      .filter((q) => q.deadLetters.length > 0)
      .map((q) => (
        <section aria-labelledby={`dead-${q.queue}`}>
          <h2 id={`dead-${q.queue}`}>Dead letters of {q.queue}</h2>
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Failed (UTC)</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Payload</th>
                  {canChange && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {q.deadLetters.map((d) => (
                  <tr data-dead-letter={d.id}>
                    <td>{d.failedAt ? d.failedAt.slice(0, 19).replace('T', ' ') : '—'}</td>
                    <td>{d.attempts}</td>
                    <td>{d.reason}</td>
                    <td>
                      <code>{preview(d.payload)}</code>
                    </td>
                    {canChange && (
                      <td>
                        <ActionButton
                          action={`/console/queues/${encodeURIComponent(q.queue)}/dead-letters/${encodeURIComponent(d.id)}/replay`}
                          csrf={csrf}
                          label="Replay"
                          tone="primary"
                          ariaLabel={`Replay dead letter ${d.id}`}
                        />
                        <ActionButton
                          action={`/console/queues/${encodeURIComponent(q.queue)}/dead-letters/${encodeURIComponent(d.id)}/drop`}
                          csrf={csrf}
                          label="Drop"
                          tone="danger"
                          ariaLabel={`Drop dead letter ${d.id}`}
                        />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
  </Layout>
);
