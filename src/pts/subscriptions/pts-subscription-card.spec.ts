import { describe, expect, it } from 'vitest';
import { PtsError } from '../errors/pts-error.js';
import { scrubCard } from './pts-subscription-card.js';

const card = { number: '4111111111111111', expMonth: '07', expYear: '2031', cvc: '9417' };

describe('scrubCard', () => {
  it('cuts the number and the CVC out of a message that quotes them', () => {
    const error = scrubCard(
      new Error('card 4111111111111111 with cvc 9417 was declined (ref 194170)'),
      card,
    );
    expect(error.message).toBe('card …1111 with cvc *** was declined (ref 194170)');
  });

  it('scrubs the gateway message of a PtsGatewayError too', () => {
    const error = scrubCard(
      PtsError.fromGatewayAnswer({ code: '1001', message: 'bad card 4111111111111111' }),
      card,
    );
    expect(error.message).not.toContain(card.number);
    expect(error.ptsMessage).toBe('bad card …1111');
  });

  it('passes anything that is not an Error through', () => {
    expect(scrubCard('x', card)).toBe('x');
  });
});
