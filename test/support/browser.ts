import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium package (`.ci/run` installs it); no browser download of playwright's own. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where failing browser tests leave their screenshots (gitignored). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab: its own sessionStorage, so its own sign-in. */
  page(): Promise<Page>;
  /** Saves every open tab as `<name>-<n>.png`; returns the paths. */
  screenshots(name: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Headless Chromium in a fresh, empty profile that is removed again on close. */
export async function launchTestBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'pts-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1360, height: 900 },
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return page;
    },
    async screenshots(name) {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const safe = name.replace(/[^a-z0-9-]+/gi, '-').slice(0, 80);
      const paths: string[] = [];
      for (const [i, page] of context.pages().entries()) {
        const path = join(SCREENSHOT_DIR, `${safe}-${i}.png`);
        await page.screenshot({ path, fullPage: true }).catch(() => undefined);
        paths.push(path);
      }
      return paths;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
