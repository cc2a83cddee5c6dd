import { describe, expect, it } from 'vitest';
import { crc16Ccitt, ptsSandboxQrPayload } from './qr.js';

describe('sandbox QR payload', () => {
  it('computes CRC-16/CCITT-FALSE: the check value of "123456789" is 29B1', () => {
    expect(crc16Ccitt('123456789')).toBe('29B1');
  });

  it('builds an EMVCo string with amount, currency, country and a valid CRC', () => {
    const payload = ptsSandboxQrPayload({
      transactionId: 'P1202405011200000001',
      orderId: 'ORDER-1',
      amount: '100.10',
      currency: 'PHP',
    });
    expect(payload.startsWith('000201010212')).toBe(true);
    expect(payload).toContain('5303608');
    expect(payload).toContain('5406100.10');
    expect(payload).toContain('5802PH');
    expect(payload).toContain('P1202405011200000001');
    const body = payload.slice(0, -4);
    expect(body.endsWith('6304')).toBe(true);
    expect(payload.slice(-4)).toBe(crc16Ccitt(body));
  });
});
