import { describe, expect, it } from 'vitest';
import {
  decideTransition,
  PTS_ORDER_STATUSES,
  PTS_STATUS_BY_TRANSACTION_STATUS,
  type PtsOrderStatus,
} from './pts-order-status.js';

describe('decideTransition (docs/protocol.md A8)', () => {
  it.each<[PtsOrderStatus, PtsOrderStatus]>([
    ['created', 'waiting'],
    ['created', 'rejected'],
    ['created', 'unknown'],
    ['created', 'success'],
    ['unknown', 'waiting'],
    ['unknown', 'success'],
    ['unknown', 'rejected'],
    ['waiting', 'processing'],
    ['waiting', 'success'],
    ['processing', 'success'],
    ['processing', 'failed'],
    ['processing', 'error'],
    ['processing', 'expired'],
    ['expired', 'success'],
    ['expired', 'failed'],
    ['error', 'success'],
    ['error', 'failed'],
    ['created', 'active'],
    ['unknown', 'active'],
    ['active', 'disabled'],
    ['created', 'disabled'],
  ])('moves an order from %s to %s', (from, to) => {
    expect(decideTransition(from, to)).toBe('apply');
  });

  it.each<[PtsOrderStatus, PtsOrderStatus]>([
    ['processing', 'waiting'],
    ['success', 'processing'],
    ['expired', 'processing'],
    ['error', 'expired'],
    ['expired', 'error'],
    ['waiting', 'created'],
    ['waiting', 'unknown'],
    ['waiting', 'rejected'],
    ['processing', 'rejected'],
    ['disabled', 'active'],
    ['active', 'unknown'],
    ['active', 'rejected'],
  ])('never moves an order backwards or sideways from %s to %s', (from, to) => {
    expect(decideTransition(from, to)).toBe('stale');
  });

  it.each<[PtsOrderStatus, PtsOrderStatus]>([
    ['success', 'failed'],
    ['failed', 'success'],
    ['rejected', 'success'],
    ['failed', 'rejected'],
    ['disabled', 'rejected'],
  ])('treats news that disagrees with the final %s (%s) as a conflict', (from, to) => {
    expect(decideTransition(from, to)).toBe('final-conflict');
  });

  it('calls the same status again a duplicate, for every status', () => {
    for (const status of PTS_ORDER_STATUSES) {
      expect(decideTransition(status, status)).toBe('duplicate');
    }
  });

  it('maps every PTS transaction status to an order status', () => {
    expect(PTS_STATUS_BY_TRANSACTION_STATUS).toEqual({
      '0000': 'waiting',
      '1000': 'processing',
      '2000': 'success',
      '3000': 'failed',
      '4000': 'error',
      '5000': 'expired',
    });
  });
});
