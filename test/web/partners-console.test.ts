/**
 * The console's Partners page: an operator uploads a partner document (pasted, or as a file), sees its operations,
 * switches it to mock and removes it — CSRF-protected, audited as that operator, refused to viewers; a document
 * that cannot load is shown with its code and pointer and nothing is stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { AuditEntry } from '../../core/src/access/entities/audit-entry.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { echoDocument } from '../partner/echo-document.js';
import { type EchoUpstream, startEchoUpstream } from '../partner/echo-upstream.js';
import { FormClient } from './form-client.js';

let platform: TestPlatform;
let upstream: EchoUpstream;
let partnersDir: string;

const signIn = async (token: string) => {
  const client = new FormClient(platform.app);
  const { csrf } = await client.page('/console/signin');
  expect((await client.post('/console/signin', { _csrf: csrf, token })).status).toBe(303);
  return client;
};
const partnerDoc = (id: string) => echoDocument({ id, title: `Console ${id}`, upstream: { baseUrl: `${upstream.url}/base` } });

beforeAll(async () => {
  upstream = await startEchoUpstream();
  partnersDir = mkdtempSync(join(tmpdir(), 'partners-console-'));
  platform = await startTestPlatform({ plugins: [], overrides: { partnersDir, partnerAllowedHosts: ['127.0.0.1', 'localhost'] } });
});

afterAll(async () => {
  await platform?.close();
  await upstream?.close();
  rmSync(partnersDir, { recursive: true, force: true });
});

describe('the console’s Partners page', () => {
  it('uploads a pasted document and shows its operations; the asset answers at once', async () => {
    const client = await signIn(platform.adminToken);
    const empty = await client.page('/console/partners');
    expect(empty.html).toContain('No partner assets yet.');
    expect(empty.html).toContain('enctype="multipart/form-data"');
    expect(empty.html).toContain('aria-current="page">Partners');

    const res = await client.post('/console/partners', { _csrf: empty.csrf, text: dump(partnerDoc('con-echo')) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/partners?done=partner-saved');
    const page = await client.page('/console/partners?done=partner-saved');
    expect(page.html).toContain('data-partner="con-echo"');
    expect(page.html).toContain('4 operations');
    expect(page.html).toContain('GET /api/con-echo/large');
    expect(page.html).toContain('putItem');
    expect(page.html).toContain('every replica follows within seconds');
    expect((await platform.call('GET', '/api/con-echo/oauth/thing', { as: 'anonymous' })).status).toBe(401);
    const [audit] = await platform.orm.em.fork().find(AuditEntry, { targetType: 'partner' }, { orderBy: { id: 'desc' }, limit: 1 });
    expect(audit).toMatchObject({ action: 'partner.put', actorType: 'operator', targetId: 'con-echo' });
  });

  it('uploads a file (multipart), replacing the asset with a new version', async () => {
    const client = await signIn(platform.adminToken);
    const { csrf } = await client.page('/console/partners');
    const form = new FormData();
    form.set('_csrf', csrf);
    form.set('file', new File([JSON.stringify(partnerDoc('con-echo'))], 'con-echo.json', { type: 'application/json' }));
    form.set('text', '');
    const cookie = [...client.jar.values()]
      .filter((c) => c.path === '/console')
      .map((c) => `${c.name}=${encodeURIComponent(c.value)}`)
      .join('; ');
    const res = await platform.app.request('http://localhost/console/partners', { method: 'POST', body: form, headers: { cookie } });
    expect(res.status).toBe(303);
    const page = await client.page('/console/partners');
    expect(page.html).toMatch(/data-partner="con-echo"[\s\S]*?<td>v2<\/td>/);
  });

  it('shows why a document cannot load, keeps the text, and stores nothing', async () => {
    const client = await signIn(platform.adminToken);
    const { csrf } = await client.page('/console/partners');
    const bad = partnerDoc('con-bad') as Record<string, unknown>;
    (bad['x-switchboard'] as { upstream: { baseUrl: string } }).upstream.baseUrl = 'ftp://example.com';
    const text = dump(bad);
    const res = await client.post('/console/partners', { _csrf: csrf, text });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<code>XSB_INVALID</code>');
    expect(html).toContain('<code>/x-switchboard/upstream/baseUrl</code>');
    expect(html).toContain('ftp://example.com'); // the pasted text, back in the text area
    expect(html).not.toContain('data-partner="con-bad"');
    expect(platform.partners.list().map((p) => p.id)).not.toContain('con-bad');
  });

  it('switches an uploaded asset to mock and removes it', async () => {
    const client = await signIn(platform.adminToken);
    const page = await client.page('/console/partners');
    expect(page.html).toContain('aria-label="Switch con-echo to mock"');
    expect((await client.post('/console/partners/con-echo/mode', { _csrf: page.csrf, mode: 'mock' })).status).toBe(303);
    const mocked = await client.page('/console/partners');
    expect(mocked.html).toContain('aria-label="Switch con-echo to live"');
    expect(platform.partners.get('con-echo').mode).toBe('mock');

    expect((await client.post('/console/partners/con-echo/remove', { _csrf: mocked.csrf })).status).toBe(303);
    const after = await client.page('/console/partners?done=partner-removed');
    expect(after.html).not.toContain('data-partner="con-echo"');
    expect((await platform.call('GET', '/api/con-echo/oauth/thing', { as: 'anonymous' })).status).toBe(404);
  });

  it('refuses a post without the CSRF token, and a viewer', async () => {
    const client = await signIn(platform.adminToken);
    expect((await client.post('/console/partners', { text: dump(partnerDoc('con-csrf')) })).status).toBe(403);
    const service = platform.access?.service;
    if (!service) throw new Error('access is on in the harness');
    const viewer = await service.createOperator(SYSTEM, { email: 'partners-viewer@example.com', name: 'V', role: 'viewer' });
    const viewing = await signIn(viewer.token);
    const page = await viewing.page('/console/partners');
    expect(page.html).not.toContain('Upload a partner document');
    const res = await viewing.post('/console/partners', { _csrf: page.csrf, text: dump(partnerDoc('con-viewer')) });
    expect(res.status).toBe(403);
    expect(platform.partners.list().map((p) => p.id)).toEqual([]);
  });
});
