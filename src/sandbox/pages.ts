import type { PtsSandboxFault } from './faults.js';

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

function escapeAttribute(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}
