import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { submitCheckout } from './checkout.js';
import { eventually } from './waiting.js';

/** The built service entry, as `npm start` runs it. */
export const SERVICE_ENTRY = resolve('dist/src/main.js');

export interface ServiceRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export interface ServiceRunOptions {
  /** The entry to run; the checkout's build by default. */
  entry?: string;
  /** Run as this user (the test runs as root). */
  uid?: number;
  gid?: number;
}

/** The built service in `cwd` with nothing configured but `env` (no DATABASE_URL either). */
export function runService(
  cwd: string,
  env: Record<string, string>,
  options: ServiceRunOptions = {},
): ServiceRun {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [options.entry ?? SERVICE_ENTRY], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** SIGINT, as Ctrl-C; the exit code, or an error when it does not stop within 20 s. */
export async function stopService(run: ServiceRun): Promise<number | null> {
  run.child.kill('SIGINT');
  const timeout = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 20_000));
  const result = await Promise.race([run.exited, timeout]);
  if (result === 'timeout') {
    run.child.kill('SIGKILL');
    throw new Error('the service did not stop within 20 s of SIGINT');
  }
  return result;
}

/** The admin key the first-start banner prints, once it is out (a cold start takes a while). */
export function bannerAdminKey(run: ServiceRun): Promise<string> {
  return eventually(
    () => /admin key\s+(\S+)/.exec(run.stdout())?.[1],
    60_000,
    `the banner (stderr: ${run.stderr()})`,
  );
}

/**
 * A payment created through the admin API of the service at `url` and paid on the sandbox's
 * checkout page; resolves once the service shows it as `success`.
 */
export async function payOnCheckout(
  url: string,
  adminKey: string,
  amount: string,
  timeoutMs: number,
): Promise<{ orderId: string; payUrl: string }> {
  const auth = { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' };
  const created = await fetch(`${url}/admin/payments`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ amount, currency: 'PHP', channel: 'QRPH' }),
  });
  expect(created.status).toBe(201);
  const order = (await created.json()) as { orderId: string; payUrl: string };
  await submitCheckout(order.payUrl, 'pay');
  await eventually(
    async () => {
      const res = await fetch(`${url}/admin/orders/${order.orderId}`, { headers: auth });
      return ((await res.json()) as { status: string }).status === 'success';
    },
    timeoutMs,
    'the order to succeed',
  );
  return order;
}
