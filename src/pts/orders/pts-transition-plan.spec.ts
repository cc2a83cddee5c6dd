import { describe, expect, it } from 'vitest';
import { planTransition, type PtsOrderSnapshot } from './pts-transition-plan.js';

const waiting: PtsOrderSnapshot = {
  id: '00000000-0000-4000-8000-000000000001',
  account: 'main',
  orderId: 'ORD-1',
  kind: 'payment',
  status: 'waiting',
  flags: [],
  amount: '100.10',
  currency: 'PHP',
  transactionId: 'P-1',
  ptsStatus: '0000',
  acceptAmount: null,
  acceptCurrency: null,
  referenceNumber: null,
};

describe('planTransition (docs/protocol.md A8)', () => {
  it('moves the order with its patch and the host event of the move', () => {
    const plan = planTransition(waiting, {
      to: 'success',
      cause: 'callback',
      patch: { ptsStatus: '2000', acceptAmount: '100.10', acceptCurrency: 'PHP' },
    });
    expect(plan).toMatchObject({ decision: 'apply', from: 'waiting', to: 'success', writes: true });
    expect(plan.set).toEqual({
      status: 'success',
      ptsStatus: '2000',
      acceptAmount: '100.10',
      acceptCurrency: 'PHP',
    });
    expect(plan.event).toMatchObject({
      idempotencyKey: `${waiting.id}:success`,
      previousStatus: 'waiting',
      transactionId: 'P-1',
      ptsStatus: '2000',
      acceptAmount: '100.10',
    });
  });

  it('writes nothing for a duplicate that brings nothing new', () => {
    const plan = planTransition(
      { ...waiting, status: 'success' },
      { to: 'success', cause: 'callback', patch: { transactionId: 'P-2', ptsStatus: '2000' } },
    );
    expect(plan).toMatchObject({ decision: 'duplicate', writes: false, set: {}, fill: {} });
    expect(plan.event).toBeUndefined();
  });

  it('fills only what is still unknown from older news, never the status fields', () => {
    const plan = planTransition(
      { ...waiting, status: 'success', transactionId: null },
      {
        to: 'processing',
        cause: 'callback',
        patch: { transactionId: 'P-9', referenceNumber: 'R-1', ptsStatus: '1000', detailsUrl: 'u' },
      },
    );
    expect(plan.decision).toBe('stale');
    // detailsUrl was not read: filled in SQL only where still null.
    expect(plan.set).toEqual({ transactionId: 'P-9', referenceNumber: 'R-1' });
    expect(plan.fill).toEqual({ detailsUrl: 'u' });
  });

  it('flags conflicting final news and mismatches once', () => {
    const conflict = planTransition(
      { ...waiting, status: 'success' },
      { to: 'failed', cause: 'callback' },
    );
    expect(conflict).toMatchObject({ decision: 'final-conflict', writes: true });
    expect(conflict.set.flags).toEqual(['conflicting_final_news']);
    const again = planTransition(
      { ...waiting, status: 'success', flags: ['conflicting_final_news'] },
      { to: 'failed', cause: 'callback' },
    );
    expect(again.writes).toBe(false);
    const mismatch = planTransition(
      { ...waiting, flags: ['amount_mismatch'] },
      { to: 'waiting', cause: 'callback', flags: ['amount_mismatch'] },
    );
    expect(mismatch.writes).toBe(false);
  });

  it('ends a schedule an operator was waiting on when the order moves', () => {
    const plan = planTransition(
      { ...waiting, flags: ['reconcile_exhausted', 'amount_mismatch'] },
      { to: 'processing', cause: 'callback' },
    );
    expect(plan.set.flags).toEqual(['amount_mismatch']);
  });
});
