import { inspect } from 'node:util';
import { PtsUnknownAccountError } from '../errors/pts-error.js';
import type { PtsCipher } from '../protocol/pts-cipher.js';
import type { PtsApiVersion } from '../protocol/pts-fields.js';
import type { PtsSigner } from '../protocol/pts-signer.js';

export interface PtsAccountValues {
  readonly name: string;
  readonly apiVersion: PtsApiVersion;
  /** Without a trailing slash; paths are appended to it. */
  readonly baseUrl: string;
  readonly userId: string;
  /** v2 only. */
  readonly guid?: string;
  /** v2 only; a secret. */
  readonly transactionSecret?: string;
  /** Merchant private key (signs) and gateway public key (verifies), parsed once. */
  readonly signer: PtsSigner;
  readonly cipher: PtsCipher;
  /** A secret: AES key and sign-string suffix. Kept for the v1 token hash. */
  readonly safecode: string;
}

/**
 * One resolved merchant account. Secrets (`safecode`, `transactionSecret`) are non-enumerable
 * and left out of `toJSON` and `inspect`, so that logging an account never prints them.
 */
export class PtsAccount implements PtsAccountValues {
  declare readonly name: string;
  declare readonly apiVersion: PtsApiVersion;
  declare readonly baseUrl: string;
  declare readonly userId: string;
  declare readonly guid?: string;
  declare readonly transactionSecret?: string;
  declare readonly signer: PtsSigner;
  declare readonly cipher: PtsCipher;
  declare readonly safecode: string;

  constructor(values: PtsAccountValues) {
    const { safecode, transactionSecret, signer, cipher, ...visible } = values;
    Object.assign(this, visible);
    Object.defineProperties(this, {
      safecode: { value: safecode, enumerable: false },
      transactionSecret: { value: transactionSecret, enumerable: false },
      signer: { value: signer, enumerable: false },
      cipher: { value: cipher, enumerable: false },
    });
    Object.freeze(this);
  }

  toJSON(): Record<string, string | undefined> {
    return {
      name: this.name,
      apiVersion: this.apiVersion,
      baseUrl: this.baseUrl,
      userId: this.userId,
      guid: this.guid,
    };
  }

  [inspect.custom](): string {
    return `PtsAccount ${inspect(this.toJSON())}`;
  }
}

/**
 * The configured merchant accounts (README, "Using the module in your app": several in one process), injectable.
 * Calls name an account or get the default one; callbacks find theirs by `user_id`.
 */
export class PtsAccounts {
  private readonly byName: ReadonlyMap<string, PtsAccount>;
  private readonly byUser: ReadonlyMap<string, PtsAccount>;

  constructor(
    private readonly accounts: readonly PtsAccount[],
    private readonly defaultName: string,
  ) {
    this.byName = new Map(accounts.map((a) => [a.name, a]));
    this.byUser = new Map(accounts.map((a) => [a.userId, a]));
  }

  /** The named account, or the default one; throws `PtsUnknownAccountError` for a wrong name. */
  get(name?: string): PtsAccount {
    const account = this.byName.get(name ?? this.defaultName);
    if (!account) throw PtsUnknownAccountError.forAccount(name ?? this.defaultName);
    return account;
  }

  /** The account with this `user_id` (user ids are unique across accounts, checked at boot). */
  byUserId(userId: string): PtsAccount | undefined {
    return this.byUser.get(userId);
  }

  all(): readonly PtsAccount[] {
    return this.accounts;
  }

  /** Whether some account speaks v1 (and so needs the token cache in PostgreSQL). */
  hasVersion(version: PtsApiVersion): boolean {
    return this.accounts.some((a) => a.apiVersion === version);
  }
}
