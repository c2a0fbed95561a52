/** @jsxImportSource hono/jsx */
/**
 * @module One app in the portal: its keys (a new key shown once, with a copy button), its subscriptions and a form to
 * subscribe to a plan, its usage as a chart, and a form that calls an asset from the page with the app's key.
 */
import type { Child } from 'hono/jsx';
import type { OperationSummary } from '../api-reference.js';
import type { Bucket, Granularity } from '../usage-series.js';
import { BarChart } from '../views/bar-chart.js';
import { ActionButton, CsrfField, Notice } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { PORTAL, PORTAL_NAV } from './portal-ui.js';

export interface AppPageProps {
  csrf: string;
  account: Child;
  app: { id: string; name: string; orgName: string };
  keys: { id: string; name: string; createdAt: Date; revokedAt: Date | null; lastUsedAt: Date | null }[];
  subscriptions: { id: string; assetId: string; planName: string; status: string }[];
  /** Plans of assets the app is not subscribed to yet. */
  plans: { id: string; assetId: string; assetTitle: string; name: string; requiresApproval: boolean; limits: string }[];
  usage: { buckets: Bucket[]; granularity: Granularity };
  /** Operations of the assets the app may call, for the try-a-call form. */
  operations: (OperationSummary & { assetId: string })[];
  /** Set only on the response to issuing a key: the one time it is shown. */
  newKey?: { name: string; key: string };
  notice?: string;
}

const when = (d: Date | null) => (d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '—');

export const AppPage = (p: AppPageProps) => {
  const base = `/portal/apps/${p.app.id}`;
  const firstGet = p.operations.find((o) => o.method === 'GET') ?? p.operations[0];
  return (
    <Layout title={p.app.name} ui={PORTAL} nav={PORTAL_NAV} account={p.account}>
      <p>
        App <code>{p.app.id}</code> in {p.app.orgName}.
      </p>
      {p.notice && <Notice kind="ok">{p.notice}</Notice>}
      {p.newKey && (
        <section class="reveal" aria-labelledby="new-key-title">
          <h2 id="new-key-title">Your new key “{p.newKey.name}”</h2>
          <p>
            <strong>Copy it now: it is shown only this once.</strong> We store only its hash and cannot show it again.
          </p>
          <div class="copy">
            <label for="new-key">API key</label>
            <input id="new-key" readonly value={p.newKey.key} autocomplete="off" spellcheck={false} />
            <button type="button" data-copy="new-key">
              Copy
            </button>
            <span class="copied" role="status" aria-live="polite" />
          </div>
        </section>
      )}

      <section aria-labelledby="keys">
        <h2 id="keys">Keys</h2>
        {p.keys.length === 0 ? (
          <p>No keys yet.</p>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key id</th>
                  <th scope="col">Created (UTC)</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {p.keys.map((k) => (
                  <tr>
                    <td>{k.name}</td>
                    <td>
                      <code>{k.id}</code>
                    </td>
                    <td>{when(k.createdAt)}</td>
                    <td>{when(k.lastUsedAt)}</td>
                    <td>
                      {k.revokedAt ? (
                        'revoked'
                      ) : (
                        <ActionButton
                          action={`${base}/keys/${k.id}/revoke`}
                          csrf={p.csrf}
                          label="Revoke"
                          tone="danger"
                          ariaLabel={`Revoke key ${k.name}`}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <form method="post" action={`${base}/keys`} class="row">
          <CsrfField token={p.csrf} />
          <label for="key-name">Key name</label>
          <input id="key-name" name="name" required maxlength={200} value="default" />
          <button type="submit" class="primary">
            Issue a key
          </button>
        </form>
      </section>

      <section aria-labelledby="subs">
        <h2 id="subs">Subscriptions</h2>
        {p.subscriptions.length === 0 ? (
          <p>Not subscribed to any API yet.</p>
        ) : (
          <ul>
            {p.subscriptions.map((s) => (
              <li>
                <a href={`/portal/apis/${s.assetId}`}>{s.assetId}</a>, plan {s.planName}:{' '}
                <span class={`state ${s.status}`}>{s.status}</span>
              </li>
            ))}
          </ul>
        )}
        {p.plans.length > 0 && (
          <form method="post" action={`${base}/subscriptions`} class="row">
            <CsrfField token={p.csrf} />
            <label for="plan">Plan</label>
            <select id="plan" name="planId" required>
              {p.plans.map((plan) => (
                <option value={plan.id}>
                  {`${plan.assetTitle} — ${plan.name} (${plan.limits}${plan.requiresApproval ? ', needs approval' : ''})`}
                </option>
              ))}
            </select>
            <button type="submit" class="primary">
              Subscribe
            </button>
          </form>
        )}
      </section>

      <section aria-labelledby="usage">
        <h2 id="usage">Usage</h2>
        <p class="switch">
          <a href={`${base}?granularity=hour#usage`} aria-current={p.usage.granularity === 'hour' ? 'true' : undefined}>
            By hour
          </a>{' '}
          <a href={`${base}?granularity=day#usage`} aria-current={p.usage.granularity === 'day' ? 'true' : undefined}>
            By day
          </a>
        </p>
        <BarChart title={`Calls by ${p.app.name}`} buckets={p.usage.buckets} granularity={p.usage.granularity} />
      </section>

      <section aria-labelledby="client">
        <h2 id="client">Typed client</h2>
        <p>
          <a href={`${base}/client.ts`} download>
            Download the TypeScript types
          </a>{' '}
          of the APIs this app is subscribed to (generated with openapi-typescript, ready for openapi-fetch).
        </p>
      </section>

      <section aria-labelledby="try">
        <h2 id="try">Try a call</h2>
        {p.operations.length === 0 ? (
          <p>Subscribe to an API to try it here.</p>
        ) : (
          <form class="stack" data-try-call>
            <p>The call goes from this page straight to the API with the key you paste; the key never leaves your browser otherwise.</p>
            <label for="try-key">API key</label>
            <input id="try-key" name="key" type="password" autocomplete="off" required placeholder="sbk_…" />
            <label for="try-method">Method</label>
            <select id="try-method" name="method">
              {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
                <option selected={m === firstGet?.method}>{m}</option>
              ))}
            </select>
            <label for="try-path">Path</label>
            <input id="try-path" name="path" required list="try-paths" value={firstGet?.path ?? ''} />
            <datalist id="try-paths">
              {p.operations.map((o) => (
                <option value={o.path}>{`${o.method} ${o.operationId}`}</option>
              ))}
            </datalist>
            <label for="try-body">JSON body (for POST, PUT, PATCH)</label>
            <textarea id="try-body" name="body" rows={4} spellcheck={false} />
            <button type="submit" class="primary">
              Send
            </button>
            <output id="try-result" for="try-key try-method try-path try-body" aria-live="polite" />
          </form>
        )}
      </section>
    </Layout>
  );
};
