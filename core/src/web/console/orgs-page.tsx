/** @jsxImportSource hono/jsx */
/** @module Organizations, their apps, and every subscription with the moves its state allows (approve, suspend, …). */
import type { Child } from 'hono/jsx';
import { ActionButton } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { CONSOLE, CONSOLE_NAV } from './console-ui.js';

export interface OrgsPageProps {
  csrf: string;
  account: Child;
  canChange: boolean;
  orgs: { id: string; name: string; kind: string; apps: { id: string; name: string }[] }[];
  subscriptions: { id: string; appId: string; appName: string; assetId: string; planName: string; status: string }[];
  /** Filter on the subscription list (`pending` shows what waits for approval). */
  status: string | null;
}

/** The buttons each state offers, in the access service's allowed transitions. */
const MOVES: Record<string, { to: string; label: string; tone?: 'danger' | 'primary' }[]> = {
  pending: [
    { to: 'active', label: 'Approve', tone: 'primary' },
    { to: 'cancelled', label: 'Reject', tone: 'danger' },
  ],
  active: [{ to: 'suspended', label: 'Suspend', tone: 'danger' }],
  suspended: [
    { to: 'active', label: 'Resume', tone: 'primary' },
    { to: 'cancelled', label: 'Cancel', tone: 'danger' },
  ],
  cancelled: [],
};

export const OrgsPage = ({ csrf, account, canChange, orgs, subscriptions, status }: OrgsPageProps) => (
  <Layout title="Organizations and subscriptions" ui={CONSOLE} nav={CONSOLE_NAV} current="/console/orgs" account={account}>
    <section aria-labelledby="subs">
      <h2 id="subs">Subscriptions</h2>
      <p class="switch">
        Show:{' '}
        {['all', 'pending', 'active', 'suspended', 'cancelled'].map((s) => (
          <>
            <a
              href={s === 'all' ? '/console/orgs' : `/console/orgs?status=${s}`}
              aria-current={(status ?? 'all') === s ? 'true' : undefined}
            >
              {s}
            </a>{' '}
          </>
        ))}
      </p>
      {subscriptions.length === 0 ? (
        <p>None.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">Asset</th>
                <th scope="col">Plan</th>
                <th scope="col">State</th>
                {canChange && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {subscriptions.map((s) => (
                <tr data-subscription={s.id}>
                  <td>
                    {s.appName} <code>{s.appId}</code>
                  </td>
                  <td>{s.assetId}</td>
                  <td>{s.planName}</td>
                  <td>
                    <span class={`state ${s.status}`}>{s.status}</span>
                  </td>
                  {canChange && (
                    <td>
                      {(MOVES[s.status] ?? []).map((m) => (
                        <ActionButton
                          action={`/console/subscriptions/${s.id}/status`}
                          csrf={csrf}
                          fields={{ status: m.to }}
                          label={m.label}
                          tone={m.tone}
                          ariaLabel={`${m.label} ${s.appName} on ${s.assetId}`}
                        />
                      ))}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
    <section aria-labelledby="orgs">
      <h2 id="orgs">Organizations</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">Kind</th>
              <th scope="col">Apps</th>
            </tr>
          </thead>
          <tbody>
            {orgs.map((o) => (
              <tr>
                <th scope="row">
                  {o.name} <code>{o.id}</code>
                </th>
                <td>{o.kind}</td>
                <td>
                  {o.apps.length === 0
                    ? '—'
                    : o.apps.map((a) => (
                        <div>
                          <a href={`/console/usage?appId=${a.id}`}>{a.name}</a> <code>{a.id}</code>
                        </div>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  </Layout>
);
