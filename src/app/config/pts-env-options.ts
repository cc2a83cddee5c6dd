import { readFileSync } from 'node:fs';
import {
  checkPtsModuleOptions,
  parsePtsDuration,
  PTS_DEFAULT_SETTINGS,
  type PtsAccountOptions,
} from 'pts-nest';

export type Env = Readonly<Record<string, string | undefined>>;

/** The module options the environment sets, checked by the module's own schema. */
export interface PtsEnvOptions {
  /** With `PTS_BASE_URL` only; otherwise the sandbox's account is added at start. */
  accounts?: PtsAccountOptions[];
  timeoutMs: number;
  callbackBaseUrl?: string;
  callbackAllowedIps: string[];
  /** `PTS_RECONCILE_DELAYS` as written; undefined: the module's default schedule. */
  reconcileDelays?: string;
  /** `PTS_RECONCILE_NOT_FOUND_GRACE` in ms; undefined: the module's default. */
  unknownNotFoundGraceMs?: number;
}

/**
 * Maps the environment to `PtsModuleOptions` and checks them with `checkPtsModuleOptions`, the
 * same schema `PtsModule.forRoot` applies: ranges, URLs, safecode, keys and the v1 rule are the
 * module's, and its messages come back naming the variable instead of the option. Only what is
 * the environment's own (numbers and durations as text, `*_FILE`, `PTS_ACCOUNTS` names) is
 * checked here. Problems are added to `problems`.
 */
export function ptsOptionsFromEnv(
  env: Env,
  production: boolean,
  problems: string[],
): PtsEnvOptions {
  const names = new Map<string, string>([
    ['timeoutMs', 'PTS_TIMEOUT_MS'],
    ['callbackBaseUrl', 'PTS_CALLBACK_BASE_URL'],
    ['callbackAllowedIps', 'PTS_CALLBACK_ALLOWED_IPS'],
    ['orders.reconcileDelays', 'PTS_RECONCILE_DELAYS'],
    ['orders.unknownNotFoundGraceMs', 'PTS_RECONCILE_NOT_FOUND_GRACE'],
  ]);
  const own = new Set<string>(); // variables whose problem was already told here
  const callbackAllowedIps = list(env.PTS_CALLBACK_ALLOWED_IPS);
  callbackAllowedIps.forEach((_, i) =>
    names.set(`callbackAllowedIps[${i}]`, 'PTS_CALLBACK_ALLOWED_IPS'),
  );
  const reconcileDelays = env.PTS_RECONCILE_DELAYS?.trim() || undefined;
  let unknownNotFoundGraceMs: number | undefined;
  if (env.PTS_RECONCILE_NOT_FOUND_GRACE) {
    unknownNotFoundGraceMs = parsePtsDuration(env.PTS_RECONCILE_NOT_FOUND_GRACE);
    if (unknownNotFoundGraceMs === undefined) {
      problems.push(
        `PTS_RECONCILE_NOT_FOUND_GRACE must be a duration such as 30s, 5m or 1h, got "${env.PTS_RECONCILE_NOT_FOUND_GRACE}"`,
      );
    }
  }
  const raw = {
    timeoutMs: wholeNumber(env.PTS_TIMEOUT_MS),
    callbackBaseUrl: env.PTS_CALLBACK_BASE_URL || undefined,
    callbackAllowedIps,
    orders: { reconcileDelays, unknownNotFoundGraceMs },
    accounts: production ? accountsFromEnv(env, names, own, problems) : undefined,
  };
  for (const problem of checkPtsModuleOptions(raw, { accountsLater: !production })) {
    const name = names.get(problem.option ?? '') ?? problem.option ?? '';
    if (!own.has(name)) problems.push(renamed(problem.message, names, problem.option));
  }
  return {
    accounts: raw.accounts as PtsAccountOptions[] | undefined,
    timeoutMs: (raw.timeoutMs as number | undefined) ?? PTS_DEFAULT_SETTINGS.timeoutMs,
    callbackBaseUrl: raw.callbackBaseUrl?.replace(/\/+$/, ''),
    callbackAllowedIps,
    reconcileDelays,
    unknownNotFoundGraceMs,
  };
}

/** The default account from `PTS_*`, and one per `PTS_ACCOUNTS` name from `PTS_<NAME>_*`. */
function accountsFromEnv(
  env: Env,
  names: Map<string, string>,
  own: Set<string>,
  problems: string[],
): Record<string, unknown>[] {
  const prefixes: [string, string][] = [['default', '']];
  for (const name of list(env.PTS_ACCOUNTS)) {
    if (/^[A-Za-z][A-Za-z0-9_]{0,30}$/.test(name)) prefixes.push([name, `${name.toUpperCase()}_`]);
    else
      problems.push(
        `PTS_ACCOUNTS: "${name}" must be letters, digits and "_", starting with a letter`,
      );
  }
  return prefixes.map(([name, prefix], index) => {
    const at = `accounts[${index}]`;
    const v = (suffix: string) => `PTS_${prefix}${suffix}`;
    const inherited = (suffix: string) => (prefix && env[v(suffix)] ? v(suffix) : `PTS_${suffix}`);
    names.set(at, `the ${name} account (${v('*')})`);
    names.set(`${at}.baseUrl`, inherited('BASE_URL'));
    names.set(`${at}.apiVersion`, inherited('API_VERSION'));
    const apiVersion = env[inherited('API_VERSION')] ?? 'v2';
    const fields: Record<string, string> = {
      userId: 'USER_ID',
      safecode: 'SAFECODE',
      merchantPrivateKey: 'MERCHANT_PRIVATE_KEY',
      gatewayPublicKey: 'GATEWAY_PUBLIC_KEY',
      ...(apiVersion === 'v2' ? { guid: 'GUID', transactionSecret: 'TRANSACTION_SECRET' } : {}),
    };
    const account: Record<string, unknown> = {
      name,
      apiVersion,
      baseUrl: env[inherited('BASE_URL')],
    };
    for (const [option, suffix] of Object.entries(fields)) {
      names.set(`${at}.${option}`, v(suffix));
      account[option] = secret(env, v(suffix), own, problems);
    }
    return account;
  });
}

/** `NAME` or the file named by `NAME_FILE` (keys and secrets from a secret store). */
function secret(env: Env, name: string, own: Set<string>, problems: string[]): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  const problem = (text: string) => {
    own.add(name);
    problems.push(text);
    return undefined;
  };
  if (direct && file) return problem(`${name} and ${name}_FILE are both set; keep one`);
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      return problem(`${name}_FILE: cannot read ${file} (${code})`);
    }
    return text || problem(`${name}_FILE: ${file} is empty`);
  }
  // A PEM squeezed onto one line of a .env file carries literal \n.
  return direct ? direct.replace(/\\n/g, '\n').trim() || undefined : undefined;
}

/**
 * The module's message with each option named as its variable: "PTS: option `timeoutMs` is 0;
 * ..." becomes "PTS_TIMEOUT_MS is 0; ...".
 */
function renamed(message: string, names: ReadonlyMap<string, string>, option?: string): string {
  const account = /^accounts\[\d+\]/.exec(option ?? '')?.[0];
  const versionName = account && names.get(`${account}.apiVersion`);
  return message
    .replace(/^PTS: /, '')
    .replace(/(option )?`([^`]+)`/g, (text, _option, path: string) => names.get(path) ?? text)
    .replace(/`apiVersion: '(v\d)'`/g, (text, version: string) =>
      versionName ? `${versionName}=${version}` : text,
    );
}

/** Digits as a number; anything else as written, for the schema to name. */
function wholeNumber(text: string | undefined): number | string | undefined {
  if (text === undefined || text === '') return undefined;
  return /^\d+$/.test(text) ? Number(text) : text;
}

export function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
