/** @jsxImportSource hono/jsx */
/** @module The portal's API reference: the list of assets, and one asset's operations with a link into /docs. */
import type { Child } from 'hono/jsx';
import type { OperationSummary } from '../api-reference.js';
import { Layout } from '../views/layout.js';
import { PORTAL, PORTAL_NAV } from './portal-ui.js';

export interface AssetSummary {
  id: string;
  title: string;
  basePath: string;
  operations: number;
  plans: { name: string; limits: string; requiresApproval: boolean }[];
}

export const ApisPage = ({ account, assets }: { account: Child; assets: AssetSummary[] }) => (
  <Layout title="APIs" ui={PORTAL} nav={PORTAL_NAV} current="/portal/apis" account={account}>
    {assets.length === 0 && <p>No APIs are available right now.</p>}
    <ul class="cards">
      {assets.map((a) => (
        <li>
          <h2>
            <a href={`/portal/apis/${a.id}`}>{a.title}</a>
          </h2>
          <p>
            <code>{a.basePath}</code> · {a.operations} operations
          </p>
          {a.plans.length > 0 && (
            <p>
              Plans:{' '}
              {a.plans.map((p, i) => `${i > 0 ? '; ' : ''}${p.name} (${p.limits}${p.requiresApproval ? ', needs approval' : ''})`).join('')}
            </p>
          )}
        </li>
      ))}
    </ul>
  </Layout>
);

export const ApiPage = ({ account, asset, operations }: { account: Child; asset: AssetSummary; operations: OperationSummary[] }) => (
  <Layout title={asset.title} ui={PORTAL} nav={PORTAL_NAV} current="/portal/apis" account={account}>
    <p>
      Base path <code>{asset.basePath}</code>. Call it with <code>Authorization: Bearer sbk_…</code> (a key of a subscribed app).{' '}
      <a href={`/docs#/${asset.id}`}>Open it in the interactive docs</a> or read the <a href="/openapi.json">OpenAPI document</a>.
    </p>
    {/* A list, not a table: paths are long, and a phone has no room for four columns. */}
    <ul class="ops">
      {operations.map((o) => (
        <li data-operation={o.operationId}>
          <p>
            <span class={`method ${o.method.toLowerCase()}`}>{o.method}</span> <code>{o.path}</code>
          </p>
          <p>
            <a href={`/docs#/${asset.id}/${encodeURIComponent(o.operationId)}`}>{o.operationId}</a>
            {o.summary && ` — ${o.summary}`}
            {o.public && ' (no key needed)'}
          </p>
          {(o.parameters.length > 0 || o.hasBody) && (
            <p class="params">
              {[
                ...o.parameters.map((p) => `${p.name} (${p.in}${p.required ? ', required' : ''})`),
                ...(o.hasBody ? ['JSON body'] : []),
              ].join(', ')}
            </p>
          )}
        </li>
      ))}
    </ul>
  </Layout>
);
