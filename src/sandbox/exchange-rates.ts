import { LosslessNumber, type PtsJsonObject } from '../pts/protocol/pts-json.js';
import { PtsSandboxRefusal } from './error.js';
import type { PtsSandboxAccount, PtsSandboxSettings } from './options.js';
import type { PtsSandboxServed } from './subscriptions.js';

/** The default rate table (B4.9 example: 1 USD = 55.07 PHP for payments, 55.09 for withdrawals). */
export const PTS_SANDBOX_DEFAULT_EXCHANGE_RATES: Readonly<
  Record<string, Readonly<Record<string, { payment: string; withdraw: string }>>>
> = {
  PHP: { USD: { payment: '55.07', withdraw: '55.09' }, CNY: { payment: '7.61', withdraw: '7.63' } },
};

/** The v1 Exchange Rate endpoint (B4.9): the rate table against `trade_currency`, signed as numbers. */
export function exchangeRateAnswer(
  settings: PtsSandboxSettings,
  account: PtsSandboxAccount,
  message: PtsJsonObject,
): PtsSandboxServed {
  const trade = message.trade_currency as string;
  const table = (settings.exchangeRates ?? PTS_SANDBOX_DEFAULT_EXCHANGE_RATES)[trade];
  if (!table) throw PtsSandboxRefusal.fromCode('8008', `no exchange rates against ${trade}`);
  const fields: Record<string, unknown> = { user_id: account.userId, trade_currency: trade };
  for (const [currency, rate] of Object.entries(table)) {
    fields[currency] = {
      payment: new LosslessNumber(rate.payment),
      withdraw: new LosslessNumber(rate.withdraw),
    };
  }
  return { response: 'exchangeRateResponse', message: 'Accepted', fields };
}
