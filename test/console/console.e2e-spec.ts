/// <reference lib="dom" />
// The DOM lib: the functions given to page.evaluate() run in the browser.
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { launchTestBrowser, type TestBrowser } from '../support/browser.js';
import { callbackFields, signedCallbackBody } from '../support/pts-test-callbacks.js';
import {
  ADMIN_KEY,
  startTestService,
  VIEWER_KEY,
  type TestService,
} from '../support/test-service.js';

// jsqr is CommonJS whose typings claim an ES default export: take the function it exports.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;

/** What helmet's strictest settings would send: no inline script or style, no eval. */
const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/** expect.poll waits 1 s by default; a loaded machine needs longer, a broken page fails anyway. */
function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 15_000 });
}

interface OrderView {
  orderId: string;
  transactionId: string;
  payUrl: string;
  qrCode: string;
  status: string;
}

/**
 * The console in a real browser (headless Chromium driven by playwright-core) against the whole
 * service and the sandbox gateway: nothing here talks to the database or calls our code directly
 * except through HTTP, as an operator and a payer would.
 */
// A browser on a shared 2-core machine during the whole suite: generous bounds, never a hang.
describe('the console in a browser', { timeout: 90_000 }, () => {
  let service: TestService;
  let browser: TestBrowser;
  let order: OrderView;

  beforeAll(async () => {
    service = await startTestService({ label: 'console_browser' });
    browser = await launchTestBrowser();
    // Every console response gets a strict CSP, as the service will send once helmet is in.
    await browser.context.route(`${service.url}/console**`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), 'content-security-policy': STRICT_CSP },
      });
    });
    const created = await request(service.url)
      .post('/admin/payments')
      .set({ Authorization: `Bearer ${ADMIN_KEY}` })
      .send({ orderId: 'CONSOLE-1', amount: '250.50', currency: 'PHP', channel: 'QRPH' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    order = created.body as OrderView;
    // Another order, so that finding ours is a real search.
    await request(service.url)
      .post('/admin/payments')
      .set({ Authorization: `Bearer ${ADMIN_KEY}` })
      .send({ orderId: 'CONSOLE-2', amount: '10.00', currency: 'PHP', channel: 'QRPH' });
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  function saveScreenshotsOnFailure(name: string) {
    onTestFailed(async () => {
      const paths = await browser.screenshots(name);
      console.error(`screenshots of the failed test: ${paths.join(', ')}`);
    });
  }

  /** Script errors and CSP refusals of a console tab; a test ends with none. */
  function problemsOf(page: Page): string[] {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    return problems;
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(`${service.url}/console`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Orders' }).waitFor();
  }

  async function findOrder(page: Page, search: string): Promise<void> {
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByLabel('Order id or PTS transaction id').fill(search);
    await page.getByRole('button', { name: 'Apply' }).click();
    const rows = page.locator('[data-testid="orders-table"] tbody tr');
    await poll(() => rows.count()).toBe(1);
    await rows.first().getByRole('link', { name: order.orderId }).click();
    await page.locator('[data-testid="order"]').waitFor();
  }

  it('signs in as admin, finds the order by transaction id, and follows a payment to success', async () => {
    saveScreenshotsOnFailure('admin-payment');
    const console = await browser.page();
    const problems = problemsOf(console);
    await signIn(console, ADMIN_KEY);
    expect(console.url()).not.toContain(ADMIN_KEY);
    expect(await console.locator('#role').textContent()).toBe('admin');

    await findOrder(console, order.transactionId);
    expect(console.url()).not.toContain(ADMIN_KEY);
    await poll(() => console.locator('[data-testid="order"]').getAttribute('data-status')).toBe(
      'waiting',
    );

    // The payer, in another tab: the sandbox checkout page shows the QR code as an image.
    const checkout = await browser.page();
    await checkout.goto(order.payUrl);
    const qr = checkout.getByRole('img', { name: 'QR code of this payment' });
    await qr.waitFor();
    const pixels = await qr.evaluate(async (svg) => {
      const image = new Image();
      image.src = `data:image/svg+xml;base64,${btoa(new XMLSerializer().serializeToString(svg))}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = 400;
      canvas.height = 400;
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#fff';
      context.fillRect(0, 0, 400, 400);
      context.drawImage(image, 20, 20, 360, 360);
      return Array.from(context.getImageData(0, 0, 400, 400).data);
    });
    const decoded = jsQR(Uint8ClampedArray.from(pixels), 400, 400);
    expect(decoded?.data).toBe(order.qrCode);
    await checkout.getByRole('button', { name: 'Pay' }).click();
    await checkout.getByText('This payment is final').waitFor();

    // The console's order page reads a moving order again by itself until it is final.
    await console.bringToFront();
    await poll(() => console.locator('[data-testid="order"]').getAttribute('data-status')).toBe(
      'success',
    );
    const timeline = console.locator('[data-testid="timeline"]');
    for (const to of ['created', 'waiting', 'processing', 'success']) {
      await poll(() => timeline.locator(`li[data-to="${to}"]`).count()).toBe(1);
    }
    const success = timeline.locator('li[data-to="success"]');
    expect(await success.locator('[data-cause]').getAttribute('data-cause')).toBe('callback');
    const callbacks = timeline.locator('li.tl-callback');
    expect(await callbacks.count()).toBe(2);
    for (const item of await callbacks.all()) {
      expect(await item.locator('[data-outcome]').textContent()).toBe('applied');
      expect(await item.locator('[data-signature]').getAttribute('data-signature')).toBe('valid');
      expect(await item.textContent()).toContain('raw numbers');
    }
    // The raw body is behind a click.
    const raw = callbacks.last().locator('[data-testid="raw-body"]');
    expect(await raw.isVisible()).toBe(false);
    await callbacks
      .last()
      .getByText(/^Raw body/)
      .click();
    expect(await raw.isVisible()).toBe(true);
    // Laid out for reading, every token as received (numbers are not re-rendered).
    const stored = await request(service.url)
      .get(`/admin/orders/${order.orderId}`)
      .set({ Authorization: `Bearer ${ADMIN_KEY}` });
    const last = (stored.body.callbacks as { rawBody: string }[]).at(-1)!.rawBody;
    expect((await raw.textContent())!.replace(/\s+/g, '')).toBe(last.replace(/\s+/g, ''));
    expect(await raw.textContent()).toContain(order.transactionId);
    expect(problems).toEqual([]);
  });

  it('reads a waiting order again every few seconds, one loop however often the page re-renders', async () => {
    saveScreenshotsOnFailure('order-poll');
    const console = await browser.page();
    await signIn(console, ADMIN_KEY);
    await console.evaluate(() => {
      location.hash = '#/order?account=main&id=CONSOLE-2';
    });
    await console.locator('[data-testid="order"][data-status="waiting"]').waitFor();
    const reads: number[] = [];
    console.on('request', (r) => {
      if (new URL(r.url()).pathname === '/admin/orders/CONSOLE-2') reads.push(Date.now());
    });
    // Five re-renders, as the Sync and Replay buttons ask for them.
    for (let i = 0; i < 5; i++) {
      await console.evaluate(() => window.dispatchEvent(new Event('console:refresh')));
    }
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    // One 2 s loop: the 5 renders, then a read at about 2 s and 4 s. Each extra loop would add
    // two more.
    const polled = reads.filter((at) => at > started + 500).length;
    expect(polled).toBeGreaterThanOrEqual(1);
    expect(polled).toBeLessThanOrEqual(3);
  });

  it('replays a callback from the order page: a duplicate that changes nothing', async () => {
    saveScreenshotsOnFailure('admin-replay');
    const console = await browser.page();
    await signIn(console, ADMIN_KEY);
    await findOrder(console, order.orderId);
    const timeline = console.locator('[data-testid="timeline"]');
    // The callback that made the order `success`: processed again, it is a duplicate.
    const final = timeline.locator('li.tl-callback', { hasText: 'PTS 2000' });
    const id = await final.getAttribute('data-callback-id');
    await final.getByRole('button', { name: 'Replay' }).click();
    await console.locator('#toast').getByText(`Replayed #${id}: duplicate`).waitFor();
    await poll(() => timeline.locator('li.tl-callback').count()).toBe(3);
    const replay = timeline.locator('li.tl-callback').last();
    expect(await replay.textContent()).toContain(`replay of #${id}`);
    expect(await replay.locator('[data-outcome]').textContent()).toBe('duplicate');
    expect(await console.locator('[data-testid="order"]').getAttribute('data-status')).toBe(
      'success',
    );
  });

  it('shows an overview whose numbers are those of /metrics', async () => {
    saveScreenshotsOnFailure('overview');
    const console = await browser.page();
    const problems = problemsOf(console);
    await signIn(console, ADMIN_KEY);
    await console.getByRole('link', { name: 'Overview' }).click();
    await console.locator('[data-testid="overview"]').waitFor();
    const metrics = (
      await request(service.url)
        .get('/metrics')
        .set({ Authorization: `Bearer ${ADMIN_KEY}` })
    ).text;
    const value = (line: RegExp) =>
      Number(
        metrics
          .split('\n')
          .find((l) => line.test(l))
          ?.split(' ')
          .at(-1),
      );
    const rows = console.locator('[data-testid="metric-orders"] tbody tr');
    await poll(() => rows.count()).toBe(2);
    for (const row of await rows.all()) {
      const status = await row.getAttribute('data-status');
      const shown = Number(await row.locator('[data-count]').getAttribute('data-count'));
      expect(shown, status ?? '').toBe(
        value(new RegExp(`^pts_orders\\{kind="payment",status="${status}"\\}`)),
      );
    }
    const callbackRows = console.locator('[data-testid="metric-callbacks"] tbody tr');
    for (const row of await callbackRows.all()) {
      const outcome = await row.getAttribute('data-outcome');
      const shown = Number(await row.locator('[data-count]').getAttribute('data-count'));
      expect(shown, outcome ?? '').toBe(
        value(new RegExp(`^pts_callbacks_total\\{kind="paymentCallback",outcome="${outcome}"\\}`)),
      );
    }
    expect(await console.locator('[data-testid="orders-total"] .tile-value').textContent()).toBe(
      '2',
    );
    expect(await console.locator('[data-testid="success-rate"] .tile-value').textContent()).toBe(
      '100.0 %',
    );
    // The charts are drawn (Chart.js marks its canvases), and the account's balance arrives.
    await poll(() => console.locator('canvas').count()).toBe(3);
    await poll(() =>
      console.evaluate(() => document.querySelectorAll('canvas').length > 0 && 'Chart' in window),
    ).toBe(true);
    await console.locator('[data-account="main"] table').waitFor();
    expect(problems).toEqual([]);
  });

  it('lets a viewer see the order but offers no action, and the API refuses one anyway', async () => {
    saveScreenshotsOnFailure('viewer');
    const viewer = await browser.page();
    await signIn(viewer, VIEWER_KEY);
    expect(await viewer.locator('#role').textContent()).toBe('viewer · read only');
    await findOrder(viewer, order.orderId);
    expect(await viewer.locator('[data-testid="order"]').getAttribute('data-status')).toBe(
      'success',
    );
    expect(await viewer.locator('[data-testid="read-only"]').isVisible()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    await viewer.getByRole('link', { name: 'Callbacks' }).click();
    await viewer.locator('[data-testid="callbacks-rejected"]').waitFor();
    expect(await viewer.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    // Even a hand-made request from the viewer's tab is refused by the API.
    const statuses = await viewer.evaluate(async (orderId) => {
      const key = sessionStorage.getItem('pts-console-key');
      const headers = { Authorization: `Bearer ${key}` };
      const sync = await fetch(`/admin/orders/${orderId}/sync`, { method: 'POST', headers });
      const replay = await fetch('/admin/callbacks/1/replay', { method: 'POST', headers });
      return [sync.status, replay.status];
    }, order.orderId);
    expect(statuses).toEqual([403, 403]);
  });

  it('refuses an unknown key at sign-in and keeps it out of the URL and storage', async () => {
    saveScreenshotsOnFailure('bad-key');
    const page = await browser.page();
    await page.goto(`${service.url}/console`);
    await page.getByLabel('API key').fill('not-a-key-of-this-service');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This key is not known to the service.').waitFor();
    expect(page.url()).not.toContain('not-a-key');
    expect(await page.evaluate(() => sessionStorage.getItem('pts-console-key'))).toBeNull();
    expect(await page.getByRole('link', { name: 'Orders' }).isVisible()).toBe(false);
  });

  it('pages through orders, filters by status and flag, syncs an order, and lists a mismatched callback first', async () => {
    saveScreenshotsOnFailure('paging-filters');
    const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
    for (let i = 0; i < 28; i++) {
      const res = await request(service.url)
        .post('/admin/payments')
        .set(admin)
        .send({ orderId: `PAGE-${i}`, amount: '5.00', currency: 'PHP', channel: 'QRPH' });
      expect(res.status).toBe(201);
    }
    // PAGE-3 gets a callback whose amount disagrees: stored as mismatch, the order flagged.
    const page3 = (await request(service.url).get('/admin/orders/PAGE-3').set(admin)).body;
    const keys = {
      gatewayPrivateKeyPem: service.credentials.gatewayPrivateKeyPem,
      safecode: service.credentials.safecode,
    };
    const body = signedCallbackBody(
      keys,
      callbackFields(service.credentials.userId, { ...page3, amount: '7.00' }, '2000'),
    );
    await request(service.url)
      .post('/pts/callback/payment')
      .set('Content-Type', 'application/json')
      .send(body);

    const console = await browser.page();
    const problems = problemsOf(console);
    await signIn(console, ADMIN_KEY);
    await console.getByRole('link', { name: 'Orders' }).click();
    const rows = console.locator('[data-testid="orders-table"] tbody tr');
    const ids = async () =>
      rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-order-id')));
    await poll(() => rows.count()).toBe(25);
    const first = await ids();
    expect(first[0]).toBe('PAGE-27');
    await console.getByRole('button', { name: 'Older →' }).click();
    await poll(() => rows.count()).toBe(5);
    const second = await ids();
    expect(second).toEqual(['PAGE-2', 'PAGE-1', 'PAGE-0', 'CONSOLE-2', 'CONSOLE-1']);
    expect(await console.getByRole('button', { name: 'Older →' }).isDisabled()).toBe(true);
    await console.getByRole('button', { name: '← Newer' }).click();
    await poll(ids).toEqual(first);

    await console.getByLabel('Status').selectOption('success');
    await console.getByRole('button', { name: 'Apply' }).click();
    await poll(ids).toEqual(['CONSOLE-1']);
    await console.getByRole('link', { name: 'Reset' }).click();
    // Reset loads the unfiltered list with a cleared form; until it has arrived the filtered
    // page and its form stay on screen, and a choice made there is lost (or applied with the
    // old status). Wait for it, as a person would.
    await poll(ids).toEqual(first);
    expect(await console.getByLabel('Status').inputValue()).toBe('');
    await console.getByLabel('Flag').selectOption('amount_mismatch');
    await console.getByRole('button', { name: 'Apply' }).click();
    await poll(ids).toEqual(['PAGE-3']);
    expect(await rows.first().locator('[data-flag]').textContent()).toBe('amount_mismatch');

    // Sync now asks PTS and applies what it says: the order is still waiting there.
    await rows.first().getByRole('link', { name: 'PAGE-3' }).click();
    await console.getByRole('button', { name: 'Sync now' }).click();
    await console.locator('#toast').getByText('Synced: PTS says 0000, order is waiting').waitFor();
    const synced = (await request(service.url).get('/admin/orders/PAGE-3').set(admin)).body;
    expect(synced.lastQueriedAt).not.toBeNull();
    await poll(() => console.locator('dd', { hasText: 'never' }).count()).toBe(0);

    await console.getByRole('link', { name: 'Callbacks' }).click();
    const mismatched = console.locator('[data-testid="callbacks-mismatch"] tbody tr');
    await poll(() => mismatched.count()).toBe(1);
    expect(await mismatched.first().textContent()).toContain(
      "submit_amount 7.00 differs from the order's 5.00",
    );
    expect(await console.locator('[data-testid="callbacks-rejected"] tbody tr').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
