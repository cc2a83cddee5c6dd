import type { PtsSandboxMerchantInfo } from './control.js';
import type { PtsSandboxFault } from './faults.js';
import { escapeHtml } from './http.js';

/** An answer that is no envelope: a page, a script or a redirect (`payment-answer`). */
export interface PtsSandboxPage {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** B 1.3: the Redirect and HTML styles a merchant may have configured at PTS. */
export function paymentPage(
  style: Extract<PtsSandboxFault, { kind: 'payment-answer' }>,
  payUrl: string,
): PtsSandboxPage {
  const url = JSON.stringify(payUrl);
  switch (style.style) {
    case 'redirect':
      return {
        status: style.status ?? 302,
        contentType: style.contentType ?? 'text/html; charset=utf-8',
        body: '',
        headers: { Location: payUrl },
      };
    case 'script':
      return {
        status: style.status ?? 200,
        contentType: style.contentType ?? 'text/javascript',
        body: `var target = ${url};\ntop.location.replace(target);\n`,
      };
    default:
      return {
        status: style.status ?? 200,
        contentType: style.contentType ?? 'text/html; charset=utf-8',
        body: `<!doctype html><html><body><form id="pts" method="get" action="${escapeAttribute(payUrl)}"></form><script>document.getElementById('pts').submit();</script></body></html>`,
      };
  }
}

/** The sandbox's front page: its merchants and where the control API is. */
export function indexPage(merchants: readonly PtsSandboxMerchantInfo[]): string {
  const rows = merchants
    .map(
      (m) =>
        `<li>user_id <code>${escapeHtml(m.userId)}</code>, v2 base <code>/merchant/v2/${escapeHtml(m.guid)}</code></li>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PTS sandbox</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto">
<h1>PTS sandbox gateway</h1>
<p>A simulator of the PTS (PagarStar) merchant API, v1 and v2. No real money moves.</p>
<ul>${rows}</ul>
<p>Control API (sandbox only, unauthenticated): <a href="/sandbox/control">/sandbox/control</a></p>
</body></html>
`;
}

function escapeAttribute(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}
