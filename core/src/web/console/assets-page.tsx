/** @jsxImportSource hono/jsx */
/** @module The console's home: every asset with its state and on/off switches, globally and per app. */
import type { Child } from 'hono/jsx';
import { ActionButton, CsrfField, Notice } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { CONSOLE, CONSOLE_NAV } from './console-ui.js';

export interface AssetRow {
  id: string;
  title: string;
  basePath: string;
  enabled: boolean;
  disabledForApps: { id: string; name: string }[];
}

export interface AssetsPageProps {
  csrf: string;
  account: Child;
  canChange: boolean;
  assets: AssetRow[];
  apps: { id: string; name: string }[];
  notice?: string;
}

export const AssetsPage = ({ csrf, account, canChange, assets, apps, notice }: AssetsPageProps) => (
  <Layout title="Assets" ui={CONSOLE} nav={CONSOLE_NAV} current="/console" account={account}>
    {notice && <Notice kind="ok">{notice}</Notice>}
    {assets.length === 0 && <p>No assets are loaded.</p>}
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col">Base path</th>
            <th scope="col">State</th>
            <th scope="col">Off for apps</th>
            {canChange && <th scope="col">Switch</th>}
          </tr>
        </thead>
        <tbody>
          {assets.map((a) => (
            <tr data-asset={a.id}>
              <th scope="row">
                {a.title} <code>{a.id}</code>
              </th>
              <td>
                <code>{a.basePath}</code>
              </td>
              <td>
                <span class={`state ${a.enabled ? 'on' : 'off'}`}>{a.enabled ? 'on' : 'off'}</span>
              </td>
              <td>
                {a.disabledForApps.length === 0
                  ? '—'
                  : a.disabledForApps.map((app) => (
                      <div>
                        {app.name} <code>{app.id}</code>{' '}
                        {canChange && (
                          <ActionButton
                            action={`/console/assets/${a.id}/state`}
                            csrf={csrf}
                            fields={{ enabled: 'true', appId: app.id }}
                            label="Turn on"
                            ariaLabel={`Turn ${a.id} on for ${app.name}`}
                          />
                        )}
                      </div>
                    ))}
              </td>
              {canChange && (
                <td>
                  <ActionButton
                    action={`/console/assets/${a.id}/state`}
                    csrf={csrf}
                    fields={{ enabled: a.enabled ? 'false' : 'true' }}
                    label={a.enabled ? 'Disable' : 'Enable'}
                    tone={a.enabled ? 'danger' : 'primary'}
                    ariaLabel={`${a.enabled ? 'Disable' : 'Enable'} ${a.id} for everyone`}
                  />
                  {apps.length > 0 && (
                    <form method="post" action={`/console/assets/${a.id}/state`} class="row">
                      <CsrfField token={csrf} />
                      <input type="hidden" name="enabled" value="false" />
                      <label for={`app-off-${a.id}`}>Turn off for app</label>
                      <select id={`app-off-${a.id}`} name="appId">
                        {apps.map((app) => (
                          <option value={app.id}>{app.name}</option>
                        ))}
                      </select>
                      <button type="submit" class="danger">
                        Turn off
                      </button>
                    </form>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </Layout>
);
