/**
 * The console and the portal in a real browser (Debian's Chromium through playwright-core), as their users meet
 * them: an operator signs in with the keyboard and switches an asset off, and a developer's call then gets 503
 * ASSET_DISABLED; a developer signs up, creates an app, gets a key, subscribes, calls the asset from the portal and
 * sees the call counted in the usage chart. Every page visited is saved as a screenshot in test-artifacts/web/.
 */
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../core/src/access/access-service.js';
import { startTestPlatform, type TestPlatform } from '../../core/src/testing/index.js';
import { launchChromium, missingChromium, screenshot } from './chromium.js';

const missing = missingChromium();
if (missing && process.env.CI) {
  // In CI a missing browser is a broken machine, not a reason to pass quietly.
  describe('browser tests', () => {
    it('need Chromium', () => {
      throw new Error(`${missing}: the browser tests cannot run`);
    });
  });
} else if (missing) {
  console.warn(`Skipping the browser tests: ${missing}.`);
}

describe.skipIf(missing !== null)('console and portal in Chromium', () => {
  let platform: TestPlatform;
  let server: ServerType;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    [platform, browser] = await Promise.all([startTestPlatform({ plugins: ['./test/fixtures/plugins/hello'] }), launchChromium()]);
    expect(platform.loadErrors).toEqual([]);
    await platform.access?.service.createPlan(SYSTEM, { assetId: 'hello', name: 'starter', perMinute: 100 });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: platform.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await platform?.close();
  });

  /** A developer's call from outside, with a real HTTP client and an app key. */
  const callHello = async (key: string) => {
    const res = await fetch(`${base}/hello-api/greet/world`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: await res.json() };
  };

  it('an operator signs in, disables an asset, and a developer’s call then gets 503 ASSET_DISABLED', async () => {
    const key = platform.testApp?.key as string;
    expect((await callHello(key)).status).toBe(200);
    const page = await browser.newPage();
    await page.goto(`${base}/console`);
    // Redirected to sign in; all by keyboard from here: type the token, press Enter.
    expect(new URL(page.url()).pathname).toBe('/console/signin');
    await screenshot(page, 'console-signin');
    await page.focus('#token');
    await page.keyboard.type(platform.adminToken);
    await Promise.all([page.waitForURL(`${base}/console`), page.keyboard.press('Enter')]);
    await expect.poll(() => page.textContent('h1')).toBe('Assets');
    const row = page.locator('tr[data-asset="hello"]');
    expect(await row.locator('.state').textContent()).toBe('on');
    await screenshot(page, 'console-assets');

    await page.getByRole('button', { name: 'Disable hello for everyone' }).focus();
    await Promise.all([page.waitForURL(/done=toggled/), page.keyboard.press('Enter')]);
    expect(await row.locator('.state').textContent()).toBe('off');
    expect(await page.getByRole('status').textContent()).toContain('state changed');
    await screenshot(page, 'console-asset-disabled');

    const off = await callHello(key);
    expect(off.status).toBe(503);
    expect(off.body.code).toBe('ASSET_DISABLED');

    // The change is in the audit log under the operator who made it.
    await page.getByRole('link', { name: 'Audit log' }).click();
    const entry = page.locator('tr[data-audit="asset.disable"]').first();
    expect(await entry.textContent()).toContain('operator');
    expect(await entry.textContent()).toContain('hello:*');
    await screenshot(page, 'console-audit');

    for (const [link, name] of [
      ['Organizations', 'console-orgs'],
      ['Usage', 'console-usage'],
      ['Jobs', 'console-jobs'],
      ['Queues', 'console-queues'],
    ] as const) {
      await page.getByRole('link', { name: link, exact: true }).click();
      expect(await page.locator('h1').count()).toBe(1);
      await screenshot(page, name);
    }

    await page.getByRole('link', { name: 'Assets', exact: true }).click();
    await page.getByRole('button', { name: 'Enable hello for everyone' }).click();
    await page.waitForURL(/done=toggled/);
    expect(await row.locator('.state').textContent()).toBe('on');
    expect((await callHello(key)).status).toBe(200);
    await page.close();
  }, 60_000);

  it('a developer signs up, creates an app, gets a key, subscribes, calls from the portal and sees the call counted', async () => {
    await platform.access?.service.setToggle(SYSTEM, { assetId: 'hello', enabled: true });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    await page.goto(`${base}/portal/signup`);
    await page.getByLabel('Your name').fill('Grace');
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password (at least 10 characters)').fill('a long enough password');
    await screenshot(page, 'portal-signup');
    await Promise.all([page.waitForURL(`${base}/portal`), page.getByRole('button', { name: 'Create account' }).click()]);
    expect(await page.textContent('h1')).toBe('Your apps');
    await screenshot(page, 'portal-home');

    await page.getByLabel('App name').fill('weather-app');
    await Promise.all([page.waitForURL(/\/portal\/apps\/app_/), page.getByRole('button', { name: 'Create app' }).click()]);
    const appUrl = page.url();
    expect(await page.textContent('h1')).toBe('weather-app');

    await page.getByRole('button', { name: 'Issue a key' }).click();
    const key = await page.locator('#new-key').inputValue();
    expect(key).toMatch(/^sbk_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => page.locator('.copied').textContent()).toMatch(/Copied|Selected/);
    await screenshot(page, 'portal-key-issued');

    await page.goto(appUrl);
    expect(await page.content()).not.toContain(key);
    await page.getByLabel('Plan').selectOption({ label: 'Hello — starter (100/min)' });
    await Promise.all([page.waitForURL(appUrl), page.getByRole('button', { name: 'Subscribe' }).click()]);
    expect(await page.locator('section[aria-labelledby="subs"] .state').textContent()).toBe('active');

    await page.getByLabel('API key').fill(key);
    await page.getByLabel('Path').fill('/hello-api/greet/portal');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('#try-result').getAttribute('data-status')).toBe('200');
    expect(await page.locator('#try-result').textContent()).toContain('Hello, portal');
    await screenshot(page, 'portal-try-call');

    // The meter flushes every second; flushing now keeps the test fast and exact.
    await platform.access?.meter.flush();
    await page.goto(appUrl);
    const chart = page.locator('section[aria-labelledby="usage"] figure.chart');
    expect(await chart.getAttribute('data-total')).toBe('1');
    expect(await chart.locator('figcaption').textContent()).toContain('1 call in the last 24 hours');
    expect(await chart.locator('g.bar[data-calls="1"]').count()).toBe(1);
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'portal-app-usage');

    await page.goto(`${base}/portal/apis`);
    await page.getByRole('link', { name: 'Hello' }).click();
    expect(await page.locator('li[data-operation]').count()).toBeGreaterThan(3);
    expect(await page.getByRole('link', { name: 'hello.greet' }).getAttribute('href')).toBe('/docs#/hello/hello.greet');
    await screenshot(page, 'portal-api-reference');

    // Signing out ends the session; signing in again (by keyboard) lands on the apps.
    await Promise.all([page.waitForURL(`${base}/portal/signin`), page.getByRole('button', { name: 'Sign out' }).click()]);
    await page.goto(`${base}/portal`);
    expect(new URL(page.url()).pathname).toBe('/portal/signin');
    await screenshot(page, 'portal-signin');
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await Promise.all([page.waitForURL(`${base}/portal`), page.getByLabel('Password').press('Enter')]);
    expect(await page.getByRole('link', { name: 'weather-app' }).count()).toBe(1);
    await context.close();
  }, 60_000);
});

/** Keeps the Page type import used when the suite is skipped (it types the helpers' parameters). */
export type { Page };
