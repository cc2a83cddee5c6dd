import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderSVG } from 'uqr';
import { PTS_TRANSACTION_STATUSES } from '../pts/protocol/pts-codes.js';
import { PtsSandboxError } from './error.js';
import { escapeHtml, readRequestBody, send } from './http.js';
import { isFinalStatus, type PtsSandboxOrder, type PtsSandboxOutcome } from './order.js';

const ACTIONS: Record<string, PtsSandboxOutcome> = { pay: 'pay', fail: 'fail', expire: 'expire' };

export interface PtsSandboxCheckoutTarget {
  orderByTransactionId(transactionId: string): PtsSandboxOrder | undefined;
  settleOrder(order: PtsSandboxOrder, outcome: PtsSandboxOutcome, cause: string): PtsSandboxOrder;
}

/**
 * The `pay_url` page: what the payer sees. GET shows the order and three buttons; POST with
 * `action=pay|fail|expire` settles it (callbacks follow) and answers 303 back to the page, which
 * then shows the outcome and leads on to the merchant's `redirect_url` (or `error_url`).
 */
export class PtsSandboxCheckout {
  constructor(private readonly target: PtsSandboxCheckoutTarget) {}

  async handle(req: IncomingMessage, res: ServerResponse, transactionId: string): Promise<void> {
    const order = this.target.orderByTransactionId(transactionId);
    if (!order || order.kind !== 'payment') {
      send(res, 404, 'text/html; charset=utf-8', page('Not found', '<p>No such payment.</p>'));
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      send(res, 200, 'text/html; charset=utf-8', checkoutPage(order));
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, 'text/plain', 'GET or POST\n', { Allow: 'GET, POST' });
      return;
    }
    const form = new URLSearchParams((await readRequestBody(req, 4096)).toString('utf8'));
    const outcome = ACTIONS[form.get('action') ?? ''];
    if (!outcome) {
      send(
        res,
        400,
        'text/html; charset=utf-8',
        page('Bad request', '<p>action must be pay, fail or expire.</p>'),
      );
      return;
    }
    let settled: PtsSandboxOrder;
    try {
      settled = this.target.settleOrder(order, outcome, `checkout: ${outcome}`);
    } catch (error) {
      if (!(error instanceof PtsSandboxError)) throw error;
      send(
        res,
        409,
        'text/html; charset=utf-8',
        page('Already settled', `<p>${escapeHtml(error.message)}</p>${checkoutBody(order)}`),
      );
      return;
    }
    // Back to this page, which shows the outcome and leads on to the merchant: a redirect
    // straight to `redirect_url` would make every scripted payer depend on the merchant's site.
    const self = `/sandbox/checkout/${encodeURIComponent(settled.transactionId)}`;
    send(
      res,
      303,
      'text/html; charset=utf-8',
      page('Done', `<p><a href="${self}">Continue</a></p>`),
      {
        Location: self,
      },
    );
  }
}

function checkoutPage(order: PtsSandboxOrder): string {
  const back = returnUrl(order);
  // A person is sent on to the merchant after a moment, as a gateway's result page does.
  const refresh =
    back && isFinalStatus(order.status)
      ? `<meta http-equiv="refresh" content="3;url=${escapeHtml(back)}">`
      : '';
  return page(`Pay ${order.amount} ${order.currency}`, checkoutBody(order), refresh);
}

function returnUrl(order: PtsSandboxOrder): string | undefined {
  return order.status === '2000' ? order.redirectUrl : (order.errorUrl ?? order.redirectUrl);
}

function checkoutBody(order: PtsSandboxOrder): string {
  const e = escapeHtml;
  const status = `${order.status} ${PTS_TRANSACTION_STATUSES[order.status]}`;
  const final = isFinalStatus(order.status);
  const back = returnUrl(order);
  const actions = final
    ? `<p class="final">This payment is final: <strong>${e(status)}</strong>.</p>${
        back ? `<p><a href="${e(back)}">Return to the merchant</a></p>` : ''
      }`
    : `<form method="post" action="/sandbox/checkout/${e(encodeURIComponent(order.transactionId))}">
  <button name="action" value="pay" class="pay">Pay</button>
  <button name="action" value="fail" class="fail">Fail</button>
  <button name="action" value="expire" class="expire"${order.status === '5000' ? ' disabled' : ''}>Expire</button>
</form>`;
  return `<dl>
  <dt>Amount</dt><dd class="amount">${e(order.amount)} ${e(order.currency)}</dd>
  <dt>Channel</dt><dd>${e(order.channel)}</dd>
  <dt>Merchant</dt><dd>${e(order.userId)}</dd>
  <dt>Order</dt><dd>${e(order.orderId)}</dd>
  <dt>Transaction</dt><dd>${e(order.transactionId)}</dd>
  <dt>Status</dt><dd class="status">${e(status)}</dd>
</dl>
${actions}
${order.qrCode ? qrBlock(order.qrCode) : ''}`;
}

/**
 * The `qr_code` payload as the payer's wallet would see it: an inline SVG (no script, so any
 * CSP allows it), with the text behind a click for whoever needs to copy it.
 */
function qrBlock(payload: string): string {
  const svg = renderSVG(payload, { ecc: 'M', pixelSize: 6 }).replace(
    '<svg ',
    '<svg class="qr" role="img" aria-label="QR code of this payment" ',
  );
  return `<figure class="qr-figure">${svg}<figcaption>Scan to pay (sandbox)</figcaption></figure>
<details><summary>QR payload</summary><code class="qr-payload">${escapeHtml(payload)}</code></details>`;
}

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · PTS sandbox checkout</title>${head}
<style>
  body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
  .banner { background: #fff3cd; border: 1px solid #e0c36b; padding: .5rem .75rem; border-radius: .4rem; font-size: .9rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
  dt { color: #666; } dd { margin: 0; word-break: break-all; }
  .amount { font-size: 1.4rem; font-weight: 600; }
  form { display: flex; gap: .5rem; margin: 1.5rem 0; }
  button { flex: 1; padding: .7rem; font-size: 1rem; border: 0; border-radius: .4rem; cursor: pointer; color: #fff; }
  .pay { background: #1a7f37; } .fail { background: #b42318; } .expire { background: #6b7280; }
  button[disabled] { opacity: .4; cursor: default; }
  code { word-break: break-all; font-size: .8rem; }
  .qr-figure { margin: 1rem 0; text-align: center; }
  .qr { width: 14rem; height: 14rem; image-rendering: pixelated; }
  figcaption { color: #666; font-size: .85rem; }
</style>
</head>
<body>
<p class="banner">PTS sandbox: no real money moves. Choose what the payer does.</p>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}
