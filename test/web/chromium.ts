/**
 * Debian's Chromium for the browser tests, driven by playwright-core. Missing Chromium fails loudly in CI (CI=true,
 * set by .ci/run) and skips with the reason printed on a laptop without it (`apt-get install chromium`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or null when they can. */
export const missingChromium = (): string | null =>
  existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });

/** Screenshots go to test-artifacts/web/ (gitignored; CI keeps them as artifacts). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'web');

export const screenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
};
