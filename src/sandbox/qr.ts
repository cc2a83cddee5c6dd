/**
 * The `qr_code` payload of a payment answer: an EMVCo merchant-presented QR string (the format
 * QR Ph uses), so that a QR library renders it and a scanner reads a plausible code. It points
 * at nothing real; the checkout page is where the sandbox "payer" acts.
 */

const CURRENCY_NUMERIC: Record<string, string> = { PHP: '608', USD: '840', CNY: '156' };

function tlv(id: string, value: string): string {
  const v = value.slice(0, 99);
  return `${id}${String(v.length).padStart(2, '0')}${v}`;
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo field 63 requires. */
export function crc16Ccitt(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

export function ptsSandboxQrPayload(input: {
  transactionId: string;
  orderId: string;
  amount: string;
  currency: string;
}): string {
  const body =
    tlv('00', '01') +
    tlv('01', '12') +
    tlv('27', tlv('00', 'com.pagarstar.sandbox') + tlv('01', input.transactionId)) +
    tlv('52', '0000') +
    tlv('53', CURRENCY_NUMERIC[input.currency] ?? '999') +
    tlv('54', input.amount.slice(0, 13)) +
    tlv('58', 'PH') +
    tlv('59', 'PTS SANDBOX') +
    tlv('60', 'MANILA') +
    tlv('62', tlv('05', input.orderId.slice(0, 25)));
  const withCrcHeader = `${body}6304`;
  return withCrcHeader + crc16Ccitt(withCrcHeader);
}
