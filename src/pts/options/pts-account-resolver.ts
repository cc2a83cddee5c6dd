import { PtsCipher, type PtsAesKeyMode } from '../protocol/pts-cipher.js';
import { PTS_API_VERSIONS, type PtsApiVersion } from '../protocol/pts-fields.js';
import { parsePtsPrivateKey, parsePtsPublicKey, type PtsKeyInput } from '../protocol/pts-keys.js';
import type { PtsNullRendering } from '../protocol/pts-sign-string.js';
import { PtsSigner } from '../protocol/pts-signer.js';
import { PtsAccount } from './pts-accounts.js';
import { ptsSchemaKeys, type PtsProblems } from './pts-option-check.js';
import { isRecord, normalizeUrl } from './pts-option-rules.js';
import {
  PTS_GUID_WHAT,
  PTS_TRANSACTION_SECRET_WHAT,
  PtsAccountOptionsSchema,
} from './pts-options-schema.js';

/** One entry of `accounts` as far as it resolved; `account` only when it has no problem. */
export interface PtsAccountDraft {
  index: number;
  name: string;
  apiVersion: PtsApiVersion;
  userId?: string;
  account?: PtsAccount;
}

/** The module-wide protocol settings an account's signer and cipher are built with. */
export interface PtsAccountProtocol {
  aesKeyMode: PtsAesKeyMode;
  nullRendering: PtsNullRendering;
}

const ACCOUNT_KEYS = ptsSchemaKeys(PtsAccountOptionsSchema);

/**
 * Checks each account with the schema, then builds its real objects (key parser, cipher,
 * signer), which report what is wrong with keys and safecode; then the rules across accounts.
 */
export function resolvePtsAccounts(
  value: unknown,
  problems: PtsProblems,
  protocol: PtsAccountProtocol,
): PtsAccountDraft[] {
  if (!Array.isArray(value)) return [];
  const drafts: PtsAccountDraft[] = [];
  value.forEach((entry: unknown, index) => {
    const at = `accounts[${index}]`;
    if (!isRecord(entry)) {
      problems.add(
        at,
        'invalid_option',
        `PTS: option \`${at}\` must be an object describing one merchant account.`,
      );
      return;
    }
    const before = problems.count;
    drafts.push(resolveAccount(entry, at, index, problems, protocol));
    problems.orderSince(before, at, ACCOUNT_KEYS);
  });
  reportDuplicates(drafts, problems);
  return drafts;
}

function resolveAccount(
  entry: Record<string, unknown>,
  at: string,
  index: number,
  problems: PtsProblems,
  protocol: PtsAccountProtocol,
): PtsAccountDraft {
  const before = problems.count;
  problems.check(PtsAccountOptionsSchema, entry, at);
  const valid = <T>(key: string): T | undefined =>
    entry[key] === undefined || problems.has(`${at}.${key}`) ? undefined : (entry[key] as T);

  // With an unknown version, the version-specific checks would only add noise.
  const versionKnown =
    entry.apiVersion === undefined || PTS_API_VERSIONS.includes(entry.apiVersion as PtsApiVersion);
  const apiVersion = valid<PtsApiVersion>('apiVersion') ?? 'v2';
  const userId = valid<string>('userId');
  const name = valid<string>('name') ?? userId ?? at;
  if (versionKnown && apiVersion === 'v2') {
    for (const [key, what] of [
      ['guid', PTS_GUID_WHAT],
      ['transactionSecret', PTS_TRANSACTION_SECRET_WHAT],
    ] as const) {
      if (entry[key] === undefined || entry[key] === null || entry[key] === '') {
        problems.add(
          `${at}.${key}`,
          'missing_option',
          `PTS: option \`${at}.${key}\` is missing; it is ${what}.`,
        );
      }
    }
  } else if (versionKnown) {
    for (const key of ['guid', 'transactionSecret'] as const) {
      if (entry[key] !== undefined) {
        problems.add(
          `${at}.${key}`,
          'option_not_for_version',
          `PTS: option \`${at}.${key}\` is set, but the account uses apiVersion 'v1', which has no ${key === 'guid' ? 'GUID' : 'transaction secret'}. Remove it, or set \`apiVersion: 'v2'\`.`,
        );
      }
    }
  }

  const safecode = valid<string>('safecode');
  const cipher =
    safecode === undefined
      ? undefined
      : problems.build(
          () =>
            new PtsCipher({
              safecode,
              aesKeyMode: protocol.aesKeyMode,
              optionName: `${at}.safecode`,
            }),
        );
  const privateKeyInput = valid<PtsKeyInput>('merchantPrivateKey');
  const privateKey =
    privateKeyInput === undefined
      ? undefined
      : problems.build(() => parsePtsPrivateKey(privateKeyInput, `${at}.merchantPrivateKey`));
  const publicKeyInput = valid<PtsKeyInput>('gatewayPublicKey');
  const publicKey =
    publicKeyInput === undefined
      ? undefined
      : problems.build(() => parsePtsPublicKey(publicKeyInput, `${at}.gatewayPublicKey`));

  const draft: PtsAccountDraft = { index, name, apiVersion, userId };
  const baseUrl = valid<string>('baseUrl');
  if (problems.count === before && cipher && privateKey && publicKey && safecode && baseUrl) {
    draft.account = new PtsAccount({
      name,
      apiVersion,
      baseUrl: normalizeUrl(baseUrl),
      userId: userId!,
      guid: valid<string>('guid'),
      transactionSecret: valid<string>('transactionSecret'),
      safecode,
      signer: new PtsSigner({
        privateKey,
        publicKey,
        safecode,
        nullRendering: protocol.nullRendering,
      }),
      cipher,
    });
  }
  return draft;
}

function reportDuplicates(drafts: readonly PtsAccountDraft[], problems: PtsProblems): void {
  const seenNames = new Map<string, number>();
  const seenUsers = new Map<string, number>();
  for (const draft of drafts) {
    const at = `accounts[${draft.index}]`;
    const sameName = seenNames.get(draft.name);
    if (sameName !== undefined) {
      problems.add(
        `${at}.name`,
        'duplicate_account_name',
        `PTS: option \`${at}.name\` is "${draft.name}", already the name of \`accounts[${sameName}]\` (a name defaults to the userId). Give each account its own \`name\`.`,
      );
    } else {
      seenNames.set(draft.name, draft.index);
    }
    if (draft.userId === undefined) continue;
    const sameUser = seenUsers.get(draft.userId);
    if (sameUser !== undefined && sameName === undefined) {
      problems.add(
        `${at}.userId`,
        'duplicate_user_id',
        `PTS: option \`${at}.userId\` is "${draft.userId}", the same as \`accounts[${sameUser}].userId\`; callbacks name their account only by user_id, so each account needs its own. Remove the duplicate account.`,
      );
    } else if (sameUser === undefined) {
      seenUsers.set(draft.userId, draft.index);
    }
  }
}
