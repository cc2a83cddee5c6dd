import { randomInt } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PTS_TRANSACTION_STATUSES } from '../../pts/protocol/pts-codes.js';
import { ptsMessageSpec } from '../../pts/protocol/pts-fields.js';
import { LosslessNumber, stringifyPtsJson } from '../../pts/protocol/pts-json.js';
import { redactSignString } from '../../pts/protocol/pts-sign-string.js';
import { PtsSigner } from '../../pts/protocol/pts-signer.js';
import type { PtsCliArgs } from '../args.js';
import type { PtsCliCommand } from '../command.js';
import { PtsCliError } from '../error.js';
import { readApiVersion, readPrivateKey, readSafecode } from '../inputs.js';

const KINDS = ['payment', 'withdraw'] as const;
const DECIMAL_RE = /^\d+(\.\d+)?$/;
const REPLY_SHOWN = 2000;

function decimalOption(args: PtsCliArgs, name: string, fallback?: string): LosslessNumber {
  const text = args.string(name) ?? fallback;
  if (text === undefined) throw PtsCliError.usage(`option --${name} is required`, 'missing_option');
  if (!DECIMAL_RE.test(text)) {
    throw PtsCliError.usage(
      `option --${name} must be a decimal such as 100.00, got \`${text}\``,
      'invalid_option',
    );
  }
  // Sent as a JSON number with exactly this text, as PTS sends amounts (B 4.2 "Float").
  return new LosslessNumber(text);
}

function statusOption(args: PtsCliArgs): string {
  const text = args.string('status') ?? '2000';
  const byName = Object.entries(PTS_TRANSACTION_STATUSES).find(([, name]) => name === text);
  const code = byName ? byName[0] : text;
  if (!(code in PTS_TRANSACTION_STATUSES)) {
    const known = Object.entries(PTS_TRANSACTION_STATUSES)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([c, n]) => `${c} (${n})`)
      .join(', ');
    throw PtsCliError.usage(`option --status must be one of ${known}, got \`${text}\``);
  }
  return code;
}

function urlOption(args: PtsCliArgs): URL {
  const text = args.required('url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw PtsCliError.usage(`option --url is not a URL: \`${text}\``, 'invalid_option');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw PtsCliError.usage(`option --url must be http:// or https://, got \`${url.protocol}\``);
  }
  return url;
}

/**
 * One POST with node:http rather than fetch: fetch refuses "bad ports" (1, 6000, 10080, ...)
 * that a merchant's test receiver may well listen on, and a CLI wants the socket's own error.
 */
function post(
  url: URL,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; reply: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body, 'utf8'),
      },
      agent: false,
    });
    const timer = setTimeout(() => {
      request.destroy(
        PtsCliError.failed(
          'timeout',
          `no answer from ${url.href} within ${timeoutMs / 1000} s (--timeout)`,
        ),
      );
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(
        error instanceof PtsCliError
          ? error
          : PtsCliError.failed('network', `could not reach ${url.href}: ${error.message}`, {
              cause: error,
            }),
      );
    };
    request.on('error', fail);
    request.on('response', (response) => {
      let reply = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (reply.length < 1_000_000) reply += chunk;
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, reply });
      });
    });
    request.end(body);
  });
}

export const ptsSendCallbackCommand: PtsCliCommand = {
  name: 'send-callback',
  summary: 'POST a signed test callback to a URL, as PTS would',
  maxPositionals: 0,
  options: {
    url: { type: 'string' },
    kind: { type: 'string' },
    key: { type: 'string' },
    safecode: { type: 'string' },
    'safecode-file': { type: 'string' },
    'api-version': { type: 'string' },
    'user-id': { type: 'string' },
    'order-id': { type: 'string' },
    amount: { type: 'string' },
    currency: { type: 'string' },
    channel: { type: 'string' },
    status: { type: 'string' },
    'transaction-id': { type: 'string' },
    'accept-amount': { type: 'string' },
    'accept-currency': { type: 'string' },
    'exchange-rate': { type: 'string' },
    timestamp: { type: 'string' },
    'error-message': { type: 'string' },
    'reference-number': { type: 'string' },
    timeout: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  help: `Usage: pts send-callback --url URL --kind payment|withdraw --key FILE [--safecode S]
                         --user-id ID --order-id ID --amount 100.00 [options]

Builds the fields of a payment or withdraw callback (docs/protocol.md B4.2 / B4.5), signs them
with the given key as the gateway does, POSTs them as JSON to URL and prints the HTTP status
and the reply. Exits 0 only when the reply is SUCCESS. Point the service (or your own
receiver) at the matching public key to accept it: PTS_GATEWAY_PUBLIC_KEY.

Options:
  --url URL              e.g. http://127.0.0.1:3000/pts/callback/payment
  --kind payment|withdraw
  --key FILE             the (test) gateway private key that signs the callback; default:
                         PTS_GATEWAY_PRIVATE_KEY or PTS_GATEWAY_PRIVATE_KEY_FILE
  --safecode S           default: PTS_SAFECODE (or --safecode-file FILE, PTS_SAFECODE_FILE)
  --api-version v2|v1    default: PTS_API_VERSION, else v2
  --user-id ID           default: PTS_USER_ID
  --order-id ID          the merchant order id
  --amount A             submit_amount, sent as a JSON number with exactly this text
  --currency C           submit_currency (default PHP)
  --channel C            default QRPH
  --status S             2000 (default) or its name: 0000 waiting, 1000 processing,
                         2000 success, 3000 failed, 4000 error, 5000 expired
  --transaction-id T     default: generated
  --accept-amount A      default: --amount
  --accept-currency C    default: --currency
  --exchange-rate R      default 1
  --timestamp N          Unix seconds (default: now)
  --error-message M, --reference-number R   optional unsigned fields
  --timeout SECONDS      default 10
  --dry-run              print the signed JSON body and send nothing (--url not needed)

Example:
  pts send-callback --url http://127.0.0.1:3000/pts/callback/payment --kind payment \\
    --key gateway-private.pem --user-id 1 --order-id A1 --amount 100.00
`,
  async run(args, io) {
    const dryRun = args.flag('dry-run');
    const url = dryRun ? undefined : urlOption(args);
    if (args.string('kind') === undefined) {
      throw PtsCliError.usage('option --kind is required: payment or withdraw', 'missing_option');
    }
    const kind = args.choice('kind', KINDS, 'payment');
    const version = readApiVersion(args, io);
    const spec = ptsMessageSpec(
      version,
      kind === 'payment' ? 'paymentCallback' : 'withdrawCallback',
    );
    const userId = args.string('user-id') ?? io.env.PTS_USER_ID;
    if (!userId) {
      throw PtsCliError.usage(
        'option --user-id is required (or set PTS_USER_ID)',
        'missing_option',
      );
    }
    const orderId = args.required('order-id');
    const amount = decimalOption(args, 'amount');
    const currency = args.string('currency') ?? 'PHP';
    const timestampText = args.string('timestamp') ?? String(Math.floor(Date.now() / 1000));
    if (!/^\d{1,12}$/.test(timestampText)) {
      throw PtsCliError.usage(
        `option --timestamp must be Unix seconds, got \`${timestampText}\``,
        'invalid_option',
      );
    }
    const fields: Record<string, unknown> = {
      user_id: userId,
      order_id: orderId,
      transaction_id:
        args.string('transaction-id') ??
        `${kind === 'payment' ? 'P' : 'W'}${timestampText}${String(randomInt(1e6)).padStart(6, '0')}`,
      channel: args.string('channel') ?? 'QRPH',
      submit_currency: currency,
      submit_amount: amount,
      accept_currency: args.string('accept-currency') ?? currency,
      accept_amount: decimalOption(args, 'accept-amount', amount.value),
      exchange_rate: decimalOption(args, 'exchange-rate', '1'),
      status: statusOption(args),
      timestamp: Number(timestampText),
    };
    const errorMessage = args.string('error-message');
    if (errorMessage !== undefined) fields.error_message = errorMessage;
    const referenceNumber = args.string('reference-number');
    if (referenceNumber !== undefined) fields.reference_number = referenceNumber;
    const timeoutMs = args.seconds('timeout', 10);

    const safecode = await readSafecode(args, io);
    const privateKey = await readPrivateKey(
      args,
      io,
      'key',
      'PTS_GATEWAY_PRIVATE_KEY',
      'gateway private key to sign the callback with',
    );
    const signer = new PtsSigner({ privateKey, safecode: safecode.value });
    const signString = signer.signString(spec, fields);
    const body = stringifyPtsJson({ ...fields, sign: signer.signRaw(signString) });
    if (!url) {
      io.stdout(`${body}\n`);
      return 0;
    }

    io.stdout(
      `POST ${url.href} (${version} ${spec.name}, order ${orderId}, status ${String(fields.status)})\n` +
        `sign string: ${redactSignString(signString, safecode.value)}\n`,
    );
    const { status, reply } = await post(url, body, timeoutMs);
    const shown =
      reply.length > REPLY_SHOWN
        ? `${reply.slice(0, REPLY_SHOWN)}… (${reply.length} characters)`
        : reply;
    io.stdout(`HTTP ${status}\n${shown}\n`);
    if (reply.trim() === 'SUCCESS') return 0;
    const said = reply.trim().length === 0 ? 'an empty body' : `\`${reply.trim().slice(0, 60)}\``;
    throw PtsCliError.failed(
      'callback_refused',
      `the receiver answered ${said} with HTTP ${status}, not SUCCESS`,
    );
  },
};
