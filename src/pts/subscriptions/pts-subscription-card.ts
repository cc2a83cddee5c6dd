import type { PtsCard } from '../client/pts-subscription.types.js';
import { ptsRequestFingerprint } from '../orders/pts-request-fingerprint.js';

// The card goes to PTS and nowhere else (docs/subscriptions.md): what of a subscription
// request may be kept, and what is cut out of what may be kept.

/**
 * The idempotency fingerprint: the request without the card's number, expiry and CVC (a
 * hash of a card number is still card data), with its last four digits instead.
 */
export function subscriptionFingerprint(account: string, input: object, card: PtsCard): string {
  return ptsRequestFingerprint('subscription', account, {
    ...input,
    card: { last4: card.number.slice(-4) },
  });
}

/**
 * A gateway could echo what it was sent in its error message: whatever reaches our records,
 * logs or the caller has the card number and CVC cut out first.
 */
export function scrubCard<E>(error: E, card: PtsCard): E {
  if (!(error instanceof Error)) return error;
  const scrub = (text: string) =>
    text
      .replaceAll(card.number, `…${card.number.slice(-4)}`)
      .replace(new RegExp(`(?<!\\d)${card.cvc}(?!\\d)`, 'g'), '***');
  if (error.message.includes(card.number) || error.message.includes(card.cvc)) {
    error.message = scrub(error.message);
  }
  const gateway = error as unknown as { ptsMessage?: unknown };
  if (typeof gateway.ptsMessage === 'string') {
    Object.defineProperty(error, 'ptsMessage', { value: scrub(gateway.ptsMessage) });
  }
  return error;
}
