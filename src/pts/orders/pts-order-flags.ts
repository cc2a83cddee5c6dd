/** What each flag on an order tells an operator (the admin API shows the note with the flag). */
export const PTS_ORDER_FLAG_NOTES = {
  reconcile_exhausted:
    'PTS was asked at every delay of the reconciliation schedule and the order did not move: an operator decides (ask PTS, sync it, or settle it by hand).',
  pay_url_missing:
    'PTS has this payment, but the answer to its create (with the payUrl) never reached us: the payer cannot be sent to pay it. Create a new order, or get the link from PTS.',
  amount_mismatch:
    'News from PTS disagreed with the order (amount, currency or account) and was not applied.',
  conflicting_final_news:
    'PTS reported another end for an order that had already ended; it was stored, not applied.',
} as const;

export type PtsOrderFlag = keyof typeof PTS_ORDER_FLAG_NOTES;

export const PTS_ORDER_FLAGS = Object.keys(PTS_ORDER_FLAG_NOTES) as PtsOrderFlag[];

/** The note of a flag, for flags this version knows. */
export function ptsOrderFlagNote(flag: string): string | undefined {
  return (PTS_ORDER_FLAG_NOTES as Record<string, string>)[flag];
}
