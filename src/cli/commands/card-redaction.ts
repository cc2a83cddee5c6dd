/**
 * The subscribe request (docs/protocol.md B4.11) signs the raw card data. What the `pts`
 * commands print of a sign string shows the card number as its last four digits and hides
 * expiry and CVC; the signature itself is computed over the real values.
 */
export function redactCardFields(signString: string): string {
  return signString
    .replace(
      /(^|&)card_number=(\d*)(\d{4})(?=&|$)/,
      (_m, lead: string, _rest: string, last4: string) => `${lead}card_number=…${last4}`,
    )
    .replace(/(^|&)(card_cvc|card_exp_month|card_exp_year)=[^&]*/g, '$1$2=***');
}
