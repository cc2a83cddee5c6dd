import { createHash } from 'node:crypto';
import type { PtsOrderKind } from './pts-order-status.js';

/**
 * The fingerprint of a create request, kept with an `Idempotency-Key`: a retry with the same
 * key must carry the same request (key order and absent fields do not matter).
 */
export function ptsRequestFingerprint(kind: PtsOrderKind, account: string, input: object): string {
  const fields: Record<string, unknown> = { ...input, kind, account };
  delete fields.idempotencyKey;
  return createHash('sha256').update(stableJson(fields)).digest('hex');
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}
