/**
 * Debian's chromium driven by playwright-core for the page tests: the system browser at /usr/bin/chromium
 * (`.ci/run` installs the `chromium` package), headless with the flags below, in a fresh user-data-dir per
 * launch (removed at close). Screenshots go to artifacts/screenshots/ (gitignored; CI keeps them).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from './cli.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots');

export interface Chromium {
  context: BrowserContext;
  userDataDir: string;
  /** Dialogs (alert, confirm, prompt, beforeunload) any page opened; each is dismissed. */
  dialogs: string[];
  /** Uncaught page errors and console errors (CSP violations show here), for failure messages. */
  errors: string[];
  newPage(): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no chromium at ${CHROMIUM}: apt-get install chromium (.ci/run installs it)`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'geointel-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1366, height: 900 },
    timeout: 60_000,
  });
  const dialogs: string[] = [];
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      d.dismiss().catch(() => undefined);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    userDataDir,
    dialogs,
    errors,
    newPage: () => context.newPage(),
    async screenshot(page, name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
