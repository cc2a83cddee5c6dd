import type { PtsMessageSpec } from '../../pts/protocol/pts-fields.js';
import { stringifyPtsJson } from '../../pts/protocol/pts-json.js';
import { validatePtsMessage } from '../../pts/protocol/pts-message.js';
import type { PtsNullRendering } from '../../pts/protocol/pts-sign-string.js';
import { redactSignString } from '../../pts/protocol/pts-sign-string.js';
import { PtsSigner } from '../../pts/protocol/pts-signer.js';
import { redactCardFields } from './card-redaction.js';
import type { PtsCliCommand, PtsCliOptionSpec } from '../command.js';
import {
  readApiVersion,
  readJsonObjectInput,
  readMessageSpec,
  readPrivateKey,
  readSafecode,
} from '../inputs.js';

/** Options sign and verify share. */
export const PTS_SIGN_STRING_OPTIONS: PtsCliOptionSpec = {
  message: { type: 'string' },
  'api-version': { type: 'string' },
  safecode: { type: 'string' },
  'safecode-file': { type: 'string' },
  'null-rendering': { type: 'string' },
};

export const NULL_RENDERINGS: readonly PtsNullRendering[] = ['empty', 'null'];

/** The message without its `sign` line: what a body must hold before it is signed. */
function unsignedSpec(spec: PtsMessageSpec): PtsMessageSpec {
  return { ...spec, fields: spec.fields.filter((f) => f.name !== 'sign') };
}

export const ptsSignCommand: PtsCliCommand = {
  name: 'sign',
  summary: 'print the sign string and the `sign` of a JSON body',
  maxPositionals: 1,
  options: {
    ...PTS_SIGN_STRING_OPTIONS,
    key: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: `Usage: pts sign --message NAME [--api-version v2] --key FILE [--safecode S] [--json] [FILE|-]

Reads a JSON body (FILE, or stdin), builds its sign string from the "Sign yes" fields of the
message's table (docs/protocol.md A3), signs it with the merchant private key (SHA256withRSA)
and prints the sign string (safecode shown as <safecode>) and the \`sign\`. A \`sign\` already in
the body is ignored and replaced.

Options:
  --message NAME         paymentRequest, withdrawRequest, paymentQueryRequest,
                         exchangeRateRequest (v1), subscribeRequest, subscribeDisableRequest
                         (v2.1), ... (also payment-request); the list for the version is
                         printed on a bad name. The printed sign string of a subscribeRequest
                         shows the card number as its last four digits, expiry and CVC as ***
  --api-version v2|v1    default: PTS_API_VERSION, else v2
  --key FILE             merchant private key, PEM (PKCS#8 / PKCS#1) or bare base64;
                         default: PTS_MERCHANT_PRIVATE_KEY or PTS_MERCHANT_PRIVATE_KEY_FILE
  --safecode S           default: PTS_SAFECODE (or --safecode-file FILE, PTS_SAFECODE_FILE)
  --null-rendering M     how an empty signed field renders: empty (key=, default) or null
  --json                 print only the body with \`sign\` added (compact JSON, ready for
                         \`pts encrypt\`)

Example:
  echo '{"user_id":"1","order_id":"A1","amount":"100.00","currency":"PHP","channel":"QRPH","timestamp":1704067200}' \\
    | pts sign --message paymentRequest --key merchant-private.pem
`,
  async run(args, io) {
    const version = readApiVersion(args, io);
    const spec = readMessageSpec(args, version);
    const nullRendering = args.choice('null-rendering', NULL_RENDERINGS, 'empty');
    const { body } = await readJsonObjectInput(args, io, `${spec.name} JSON body`);
    const safecode = await readSafecode(args, io);
    const privateKey = await readPrivateKey(
      args,
      io,
      'key',
      'PTS_MERCHANT_PRIVATE_KEY',
      'merchant private key',
    );
    const fields = { ...body };
    delete fields.sign;
    validatePtsMessage(unsignedSpec(spec), fields);
    const signer = new PtsSigner({ privateKey, safecode: safecode.value, nullRendering });
    const signString = signer.signString(spec, fields);
    const sign = signer.signRaw(signString);
    if (args.flag('json')) {
      io.stdout(`${stringifyPtsJson({ ...fields, sign })}\n`);
    } else {
      io.stdout(
        `sign string: ${redactCardFields(redactSignString(signString, safecode.value))}\n` +
          `sign: ${sign}\n`,
      );
    }
    return 0;
  },
};
