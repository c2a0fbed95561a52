/** @jsxImportSource hono/jsx */
/**
 * @module Partner assets: every one with its operations, an upload form (a file or pasted text, YAML or JSON) that
 * adds one or replaces it with a new version, and for uploaded ones a live/mock switch and a remove button.
 */
import type { Child } from 'hono/jsx';
import type { PartnerView } from '../../partners/partner-registry.js';
import { ActionButton, CsrfField, Notice } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { CONSOLE, CONSOLE_NAV } from './console-ui.js';

export interface PartnersPageProps {
  csrf: string;
  account: Child;
  canChange: boolean;
  partners: PartnerView[];
  notice?: string;
  /** Why the last upload was refused: the load error's code, pointer and message. */
  error?: { code: string; pointer?: string; detail: string };
  /** The pasted text of a refused upload, so it can be fixed rather than pasted again. */
  text?: string;
}

const Operations = ({ p }: { p: PartnerView }) =>
  p.operations.length === 0 ? (
    <>—</>
  ) : (
    <details>
      <summary>{`${p.operationCount} operation${p.operationCount === 1 ? '' : 's'}`}</summary>
      <ul class="operations">
        {p.operations.map((op) => (
          <li>
            <code>
              {op.method} {op.path}
            </code>{' '}
            {op.operationId}
          </li>
        ))}
      </ul>
    </details>
  );

export const PartnersPage = ({ csrf, account, canChange, partners, notice, error, text }: PartnersPageProps) => (
  <Layout title="Partner assets" ui={CONSOLE} nav={CONSOLE_NAV} current="/console/partners" account={account}>
    {notice && <Notice kind="ok">{notice}</Notice>}
    {error && (
      <Notice kind="error">
        The document was not stored: <code>{error.code}</code>
        {error.pointer ? (
          <>
            {' '}
            at <code>{error.pointer}</code>
          </>
        ) : null}{' '}
        — {error.detail}
      </Notice>
    )}
    <p>
      OpenAPI documents with an <code>x-switchboard</code> upstream block, served as APIs with no code. Those of PARTNERS_DIR are read-only
      here; uploads go live on every replica within seconds.
    </p>
    {partners.length === 0 && <p>No partner assets yet.</p>}
    {partners.length > 0 && (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Asset</th>
              <th scope="col">Source</th>
              <th scope="col">Version</th>
              <th scope="col">Mode</th>
              <th scope="col">Operations</th>
              {canChange && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {partners.map((p) => (
              <tr data-partner={p.id}>
                <th scope="row">
                  {p.title} <code>{p.id}</code>
                  {p.basePath && (
                    <div>
                      <code>{p.basePath}</code>
                    </div>
                  )}
                  {p.error && <div class="state off">{`not loaded here: ${p.error.code}`}</div>}
                </th>
                <td>{p.source === 'directory' ? 'PARTNERS_DIR (read-only)' : 'uploaded'}</td>
                <td>{p.version === null ? '—' : `v${p.version}`}</td>
                <td>{p.mode ?? 'as the document says'}</td>
                <td>
                  <Operations p={p} />
                </td>
                {canChange && (
                  <td>
                    {p.source === 'uploaded' && (
                      <>
                        <ActionButton
                          action={`/console/partners/${p.id}/mode`}
                          csrf={csrf}
                          fields={{ mode: p.mode === 'mock' ? 'live' : 'mock' }}
                          label={p.mode === 'mock' ? 'Go live' : 'Mock'}
                          ariaLabel={p.mode === 'mock' ? `Switch ${p.id} to live` : `Switch ${p.id} to mock`}
                        />
                        <ActionButton
                          action={`/console/partners/${p.id}/remove`}
                          csrf={csrf}
                          label="Remove"
                          tone="danger"
                          ariaLabel={`Remove ${p.id}`}
                        />
                      </>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    {canChange && (
      <section aria-labelledby="upload">
        <h2 id="upload">Upload a partner document</h2>
        <p>A document whose id exists replaces it as a new version; calls in flight finish on the old one.</p>
        <form method="post" action="/console/partners" enctype="multipart/form-data" class="stack">
          <CsrfField token={csrf} />
          <label for="partner-file">Document file (YAML or JSON)</label>
          <input type="file" id="partner-file" name="file" accept=".yaml,.yml,.json,application/json,application/yaml" />
          <label for="partner-text">Or paste the document</label>
          <textarea id="partner-text" name="text" rows={12} spellcheck={false}>
            {text ?? ''}
          </textarea>
          <button type="submit" class="primary">
            Upload
          </button>
        </form>
      </section>
    )}
  </Layout>
);
