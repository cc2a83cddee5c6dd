/**
 * Acts as the payer on the sandbox checkout page: loads the `pay_url` like a browser would,
 * finds the form whose button carries the chosen action, and submits it.
 */
export async function submitCheckout(
  payUrl: string,
  action: 'pay' | 'fail' | 'expire',
): Promise<{ page: string; result: string; status: number }> {
  const pageResponse = await fetch(payUrl);
  if (pageResponse.status !== 200) {
    throw new Error(`checkout page answered ${pageResponse.status}`);
  }
  const page = await pageResponse.text();
  const forms = [...page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
  for (const [, attributes, inner] of forms) {
    const button = new RegExp(`<button\\b[^>]*name="([^"]+)"[^>]*value="${action}"`, 'i').exec(
      inner,
    );
    const hidden = /<input\b[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi;
    if (!button) continue;
    const actionUrl = /action="([^"]*)"/i.exec(attributes)?.[1] ?? payUrl;
    const body = new URLSearchParams();
    for (const [, name, value] of inner.matchAll(hidden)) body.set(name, value);
    body.set(button[1], action);
    const response = await fetch(new URL(actionUrl, payUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
      redirect: 'follow',
    });
    return { page, result: await response.text(), status: response.status };
  }
  throw new Error(`no form with a "${action}" button on the checkout page`);
}
