import { describe, expect, it } from 'vitest';
import { redactCardFields } from './card-redaction.js';

describe('redactCardFields', () => {
  it('keeps the last four digits of the card number and hides expiry and CVC', () => {
    const text =
      'amount=1&card_cvc=123&card_exp_month=07&card_exp_year=2031&card_number=4111111111111111&channel=CARD&<safecode>';
    expect(redactCardFields(text)).toBe(
      'amount=1&card_cvc=***&card_exp_month=***&card_exp_year=***&card_number=…1111&channel=CARD&<safecode>',
    );
  });

  it('leaves a sign string without card fields as it is', () => {
    const text = 'amount=1&order_id=A&user_id=1&<safecode>';
    expect(redactCardFields(text)).toBe(text);
  });
});
