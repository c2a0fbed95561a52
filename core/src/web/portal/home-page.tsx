/** @jsxImportSource hono/jsx */
/** @module The portal's home: the developer's organizations and apps, and forms to create both. */
import type { Child } from 'hono/jsx';
import { CsrfField } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { PORTAL, PORTAL_NAV } from './portal-ui.js';

export interface HomeProps {
  csrf: string;
  account: Child;
  orgs: { id: string; name: string; kind: string }[];
  apps: { id: string; orgId: string; name: string }[];
}

export const HomePage = ({ csrf, account, orgs, apps }: HomeProps) => (
  <Layout title="Your apps" ui={PORTAL} nav={PORTAL_NAV} current="/portal" account={account}>
    {orgs.map((org) => (
      <section aria-labelledby={`org-${org.id}`}>
        <h2 id={`org-${org.id}`}>
          {org.name} <small>({org.kind})</small>
        </h2>
        <ul class="cards">
          {apps
            .filter((a) => a.orgId === org.id)
            .map((a) => (
              <li>
                <a href={`/portal/apps/${a.id}`}>{a.name}</a> <code>{a.id}</code>
              </li>
            ))}
        </ul>
        {!apps.some((a) => a.orgId === org.id) && <p>No apps yet.</p>}
      </section>
    ))}
    <section aria-labelledby="new-app">
      <h2 id="new-app">Create an app</h2>
      <form method="post" action="/portal/apps" class="stack">
        <CsrfField token={csrf} />
        <label for="app-org">Organization</label>
        <select id="app-org" name="orgId" required>
          {orgs.map((o) => (
            <option value={o.id}>{o.name}</option>
          ))}
        </select>
        <label for="app-name">App name</label>
        <input id="app-name" name="name" required maxlength={200} />
        <button type="submit" class="primary">
          Create app
        </button>
      </form>
    </section>
    <section aria-labelledby="new-org">
      <h2 id="new-org">Create an organization</h2>
      <form method="post" action="/portal/orgs" class="stack">
        <CsrfField token={csrf} />
        <label for="org-name">Organization name</label>
        <input id="org-name" name="name" required maxlength={200} />
        <label for="org-kind">Kind</label>
        <select id="org-kind" name="kind">
          <option value="business">Business</option>
          <option value="individual">Individual</option>
        </select>
        <button type="submit">Create organization</button>
      </form>
    </section>
  </Layout>
);
