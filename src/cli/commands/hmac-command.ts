import {
  ptsTransactionSignature,
  verifyPtsTransactionSignature,
  type PtsTransactionSignatureOver,
} from '../../pts/protocol/pts-transaction-signature.js';
import type { PtsCliCommand } from '../command.js';
import { PtsCliError } from '../error.js';
import { readInputText, readSecret } from '../inputs.js';
import { readCipher } from './cipher-commands.js';

const OVER: readonly PtsTransactionSignatureOver[] = ['body', 'plaintext'];

export const ptsHmacCommand: PtsCliCommand = {
  name: 'hmac',
  summary: 'compute (or check) the v2 X-Transaction-Signature of a request body',
  maxPositionals: 1,
  options: {
    secret: { type: 'string' },
    over: { type: 'string' },
    check: { type: 'string' },
    safecode: { type: 'string' },
    'safecode-file': { type: 'string' },
    'aes-key-mode': { type: 'string' },
  },
  help: `Usage: pts hmac [--secret S] [--over body|plaintext] [--check VALUE] [FILE|-]

Prints the v2 X-Transaction-Signature header of a request (docs/protocol.md A2.5):
base64(HMAC-SHA256(transaction secret, message)). FILE (or stdin) is the request body as sent,
the base64 envelope.

Options:
  --secret S             the v2 transaction secret; default: PTS_TRANSACTION_SECRET
  --over body            (default) the HMAC covers the base64 body exactly as sent
  --over plaintext       the HMAC covers the JSON inside: FILE is decrypted with the safecode
                         first (--safecode, PTS_SAFECODE, --aes-key-mode), unless it is JSON
  --check VALUE          compare with a received header instead of printing: OK, or exit 1

Example:
  pts hmac --secret "$PTS_TRANSACTION_SECRET" request-body.txt
`,
  async run(args, io) {
    const over = args.choice('over', OVER, 'body');
    const { text } = await readInputText(args, io, 'request body');
    const secret = await readSecret(args, io, 'secret', 'PTS_TRANSACTION_SECRET');
    const body = text.trim();
    let message = body;
    if (over === 'plaintext' && !body.startsWith('{')) {
      message = (await readCipher(args, io)).cipher.decrypt(body);
    } else if (over === 'body' && body.startsWith('{')) {
      io.stderr(
        'pts hmac: note: the input is JSON; with --over body the HMAC covers the base64 envelope actually sent\n',
      );
    }
    const value = ptsTransactionSignature(secret.value, message);
    const check = args.string('check');
    if (check === undefined) {
      io.stdout(`${value}\n`);
      return 0;
    }
    if (verifyPtsTransactionSignature(secret.value, message, check)) {
      io.stdout('OK\n');
      return 0;
    }
    io.stdout(`expected: ${value}\n`);
    throw PtsCliError.failed(
      'transaction_signature_mismatch',
      `the --check value is not the X-Transaction-Signature of this body (HMAC over the ${over === 'body' ? 'base64 body' : 'plaintext JSON'}, secret from ${secret.source})`,
    );
  },
};
