import { PtsMalformedMessageError, PtsSignatureError } from '../../pts/errors/pts-error.js';
import { unwrapPtsCallback } from '../../pts/protocol/pts-envelope.js';
import {
  checkReceivedPtsMessage,
  checkVerifiedPtsMessage,
} from '../../pts/protocol/pts-message.js';
import { redactCardFields } from './card-redaction.js';
import { redactSignString } from '../../pts/protocol/pts-sign-string.js';
import { PtsSigner } from '../../pts/protocol/pts-signer.js';
import type { PtsCliCommand } from '../command.js';
import { PtsCliError } from '../error.js';
import {
  readApiVersion,
  readJsonObjectInput,
  readMessageSpec,
  readPublicKey,
  readSafecode,
} from '../inputs.js';
import { NULL_RENDERINGS, PTS_SIGN_STRING_OPTIONS } from './sign-command.js';

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** What can be said about the `sign` value alone, before blaming the fields. */
function describeSignValue(sign: string, modulusBits: number | undefined): string | undefined {
  if (!BASE64_RE.test(sign) || sign.length % 4 !== 0) {
    return 'the `sign` is not standard base64 (was it URL-encoded or cut?)';
  }
  const bytes = Buffer.from(sign, 'base64').length;
  if (modulusBits && bytes !== modulusBits / 8) {
    return `the \`sign\` has ${bytes} bytes, but a signature by this ${modulusBits}-bit key has ${modulusBits / 8}: it was made with another key`;
  }
  return undefined;
}

export const ptsVerifyCommand: PtsCliCommand = {
  name: 'verify',
  summary: 'verify the `sign` of a JSON body (a callback, a response, a confirmation)',
  maxPositionals: 1,
  options: {
    ...PTS_SIGN_STRING_OPTIONS,
    'public-key': { type: 'string' },
  },
  help: `Usage: pts verify --message NAME [--api-version v2] --public-key FILE [--safecode S] [FILE|-]

Verifies the \`sign\` of a JSON body (FILE, or stdin) as this service does (docs/protocol.md A4):
numbers exactly as written in the JSON text first, then once with PHP's float rendering
(40000.0000000000 -> 40000) where that is the same decimal. Signed fields that are null, "" or
absent sign as key=; a callback wrapped as {code, message, data} is read as its data. Prints
"OK (rendering raw)" or "OK (rendering php-float)"; exits 2 when it verifies but lacks what its
status needs (a success without accept_amount), as the service refuses it then.
When it does not verify, exits 1 and prints the sign string it built (safecode shown as
<safecode>) so that you can compare it field by field with the signer's.

Options:
  --message NAME         paymentCallback, withdrawCallback, paymentResponse,
                         withdrawConfirmRequest, exchangeRateResponse (v1), subscribeCallback,
                         subscribeResponse, subscribeDisableResponse (v2.1), ... (also
                         payment-callback)
  --api-version v2|v1    default: PTS_API_VERSION, else v2
  --public-key FILE      the signer's public key: the gateway's for what PTS sends, PEM (SPKI /
                         PKCS#1) or bare base64; default: PTS_GATEWAY_PUBLIC_KEY or
                         PTS_GATEWAY_PUBLIC_KEY_FILE
  --safecode S           default: PTS_SAFECODE (or --safecode-file FILE, PTS_SAFECODE_FILE)
  --null-rendering M     how an empty signed field renders: empty (key=, default) or null

Example:
  pts verify --message paymentCallback --public-key gateway-public.pem callback.json
`,
  async run(args, io) {
    const version = readApiVersion(args, io);
    const spec = readMessageSpec(args, version);
    const nullRendering = args.choice('null-rendering', NULL_RENDERINGS, 'empty');
    const input = await readJsonObjectInput(args, io, `${spec.name} JSON body`);
    const body = unwrapPtsCallback(input.body).message;
    const safecode = await readSafecode(args, io);
    const publicKey = await readPublicKey(
      args,
      io,
      'public-key',
      'PTS_GATEWAY_PUBLIC_KEY',
      'public key',
    );
    checkReceivedPtsMessage(spec, body);
    const signer = new PtsSigner({
      publicKey: publicKey.key,
      safecode: safecode.value,
      nullRendering,
    });
    try {
      const { rendering } = signer.verify(spec, body);
      try {
        checkVerifiedPtsMessage(spec, body);
      } catch (error) {
        if (!(error instanceof PtsMalformedMessageError)) throw error;
        throw new PtsMalformedMessageError({
          code: error.code,
          message: `the \`sign\` verifies (rendering ${rendering}), but ${error.message}`,
          field: error.field,
        });
      }
      io.stdout(`OK (rendering ${rendering})\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof PtsSignatureError) || error.code !== 'signature_mismatch') throw error;
    }
    const raw = signer.signString(spec, body, 'raw', 'empty');
    const php = signer.signString(spec, body, 'php-float', 'empty');
    const lines = [
      `sign string (raw):       ${redactCardFields(redactSignString(raw, safecode.value))}`,
    ];
    if (php !== raw)
      lines.push(
        `sign string (php-float): ${redactCardFields(redactSignString(php, safecode.value))}`,
      );
    const signed = new Set(spec.fields.filter((f) => f.signed).map((f) => f.name));
    const unsigned = Object.keys(body).filter((k) => !signed.has(k) && k !== 'sign');
    if (unsigned.length > 0) lines.push(`not signed (ignored):    ${unsigned.join(', ')}`);
    const signProblem = describeSignValue(
      body.sign as string,
      publicKey.key.asymmetricKeyDetails?.modulusLength,
    );
    if (signProblem) lines.push(`note: ${signProblem}`);
    lines.push(
      'check: each value above, the safecode, --api-version, and that the public key is the ' +
        "signer's (the gateway's for callbacks and responses)",
    );
    io.stdout(`${lines.join('\n')}\n`);
    throw PtsCliError.failed(
      'signature_mismatch',
      `the \`sign\` of this ${version} ${spec.name} does not verify with ${publicKey.source}`,
    );
  },
};
