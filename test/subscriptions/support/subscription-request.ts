/** An admin API subscribe request for a valid test card, monthly; `overrides` replace fields. */
export function subscriptionRequest(orderId: string, overrides: Record<string, unknown> = {}) {
  return {
    orderId,
    amount: '499.00',
    currency: 'PHP',
    channel: 'CARD',
    card: {
      number: '4242424242424242',
      expMonth: '07',
      expYear: String(new Date().getUTCFullYear() + 2),
      cvc: '123',
    },
    firstName: 'Juan',
    lastName: 'Dela Cruz',
    periodCount: 1,
    periodUnit: 'month',
    ...overrides,
  };
}
