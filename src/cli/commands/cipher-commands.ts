import { PtsDecryptionError } from '../../pts/errors/pts-error.js';
import { PtsCipher, type PtsAesKeyMode } from '../../pts/protocol/pts-cipher.js';
import type { PtsCliArgs } from '../args.js';
import type { PtsCliCommand, PtsCliOptionSpec } from '../command.js';
import { PtsCliError } from '../error.js';
import type { PtsCliIo } from '../io.js';
import { readInputText, readSafecode } from '../inputs.js';

const AES_KEY_MODES: readonly PtsAesKeyMode[] = ['raw', 'zero-pad-256'];

const CIPHER_OPTIONS: PtsCliOptionSpec = {
  safecode: { type: 'string' },
  'safecode-file': { type: 'string' },
  'aes-key-mode': { type: 'string' },
};

const CIPHER_OPTIONS_HELP = `Options:
  --safecode S           the merchant safecode: 16, 24 or 32 characters pick AES-128/192/256;
                         default: PTS_SAFECODE (or --safecode-file FILE, PTS_SAFECODE_FILE)
  --aes-key-mode M       raw (default): the safecode bytes are the key; zero-pad-256: a short
                         safecode is NUL-padded to 32 bytes, as PHP's openssl does`;

/**
 * Envelopes that are not an envelope at all are bad input (2); an envelope that does not
 * decrypt with this safecode is a failed check (1).
 */
const DECRYPTION_FAILURES = new Set(['bad_padding', 'invalid_utf8']);

export async function readCipher(
  args: PtsCliArgs,
  io: PtsCliIo,
): Promise<{ cipher: PtsCipher; safecodeBytes: number; mode: PtsAesKeyMode }> {
  const mode = args.choice('aes-key-mode', AES_KEY_MODES, 'raw');
  const safecode = await readSafecode(args, io);
  return {
    cipher: new PtsCipher({
      safecode: safecode.value,
      aesKeyMode: mode,
      optionName: safecode.source,
    }),
    safecodeBytes: Buffer.byteLength(safecode.value, 'utf8'),
    mode,
  };
}

export const ptsEncryptCommand: PtsCliCommand = {
  name: 'encrypt',
  summary: 'encrypt a body into the PTS envelope (AES-ECB, base64)',
  maxPositionals: 1,
  options: CIPHER_OPTIONS,
  help: `Usage: pts encrypt [--safecode S] [--aes-key-mode raw|zero-pad-256] [FILE|-]

Encrypts the text of FILE (or stdin) as a request body to PTS (docs/protocol.md A2):
AES-ECB with PKCS#7 padding keyed by the safecode, standard base64. One trailing newline of
the input is dropped (so that \`echo\` works); the text is otherwise taken as it is.

${CIPHER_OPTIONS_HELP}

Example:
  pts sign --json --message paymentRequest --key merchant-private.pem body.json | pts encrypt
`,
  async run(args, io) {
    const { text } = await readInputText(args, io, 'text to encrypt');
    const { cipher } = await readCipher(args, io);
    io.stdout(`${cipher.encrypt(text.replace(/\r?\n$/, ''))}\n`);
    return 0;
  },
};

export const ptsDecryptCommand: PtsCliCommand = {
  name: 'decrypt',
  summary: 'decrypt a PTS envelope (base64 AES-ECB) back to its text',
  maxPositionals: 1,
  options: CIPHER_OPTIONS,
  help: `Usage: pts decrypt [--safecode S] [--aes-key-mode raw|zero-pad-256] [FILE|-]

Decrypts a request body (FILE, or stdin: the base64 text as sent) and prints the text inside.
When it fails it says why: not base64 or not whole AES blocks (exit 2: this is not an
envelope), padding does not check or the result is not UTF-8 (exit 1: wrong safecode,
wrong --aes-key-mode, or a damaged body).

${CIPHER_OPTIONS_HELP}

Example:
  pts decrypt --safecode "$PTS_SAFECODE" request-body.txt
`,
  async run(args, io) {
    const { text, source } = await readInputText(args, io, 'envelope (base64 text)');
    const { cipher, safecodeBytes, mode } = await readCipher(args, io);
    try {
      io.stdout(`${cipher.decrypt(text)}\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof PtsDecryptionError)) throw error;
      let hint = '';
      if (error.code === 'invalid_base64' && text.trimStart().startsWith('{')) {
        hint = '; it looks like plain JSON already (callbacks and responses are not encrypted)';
      } else if (DECRYPTION_FAILURES.has(error.code) && mode === 'raw' && safecodeBytes < 32) {
        hint = '; if the sender pads short safecodes like PHP, try --aes-key-mode zero-pad-256';
      }
      const message = `${source}: ${error.message} (${error.code})${hint}`;
      throw DECRYPTION_FAILURES.has(error.code)
        ? PtsCliError.failed(error.code, message)
        : PtsCliError.usage(message, error.code);
    }
  },
};
