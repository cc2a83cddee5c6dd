import { ptsTokenHash } from '../../pts/protocol/pts-transaction-signature.js';
import type { PtsCliCommand } from '../command.js';
import { PtsCliError } from '../error.js';
import { readSafecode } from '../inputs.js';

export const ptsTokenHashCommand: PtsCliCommand = {
  name: 'token-hash',
  summary: 'compute the v1 access-token hash sha256(random_code + user_id + safecode)',
  maxPositionals: 0,
  options: {
    'random-code': { type: 'string' },
    'user-id': { type: 'string' },
    safecode: { type: 'string' },
    'safecode-file': { type: 'string' },
  },
  help: `Usage: pts token-hash --random-code CODE --user-id ID [--safecode S]

Prints the \`hash\` of the v1 \`/merchant/token\` call (docs/protocol.md A1, B3): lowercase
hex SHA-256 of random_code + user_id + safecode, with nothing between them.

Options:
  --random-code CODE     the \`code\` PTS answered to /merchant/random_code
  --user-id ID           merchant identification; default: PTS_USER_ID
  --safecode S           default: PTS_SAFECODE (or --safecode-file FILE, PTS_SAFECODE_FILE)

Example:
  pts token-hash --random-code VL4hrMLmM3THd2iQDNOoa45cGZhx2zH7 --user-id 1 --safecode "$PTS_SAFECODE"
`,
  async run(args, io) {
    const randomCode = args.required('random-code');
    const userId = args.string('user-id') ?? io.env.PTS_USER_ID;
    if (!userId) {
      throw PtsCliError.usage(
        'option --user-id is required (or set PTS_USER_ID)',
        'missing_option',
      );
    }
    if (/\s/.test(randomCode)) {
      throw PtsCliError.usage('option --random-code holds whitespace; copy the code exactly');
    }
    const safecode = await readSafecode(args, io);
    io.stdout(`${ptsTokenHash(randomCode, userId, safecode.value)}\n`);
    return 0;
  },
};
