import { PtsSandboxError } from './error.js';

/**
 * A fault the sandbox injects on purpose. The scope narrows where it acts (all given parts must
 * match); `times` bounds how often it acts (default: until cleared).
 *
 * - on merchant requests: `delay` (answer late, after the request took effect), `drop` (close
 *   the socket without an answer, after the request took effect), `error` (answer this PTS
 *   code, nothing happens), `http-status` (answer this HTTP status and body, nothing happens);
 * - on callbacks / confirmations: `delay`, `drop` (never sent), `duplicate-callback`,
 *   `out-of-order-callbacks` (a 1000 callback is held back until the next status is sent);
 * - on everything the gateway signs: `tamper-amount` (amounts changed after signing),
 *   `wrong-key` (signed with a key that is not the gateway's), `amount-format` (how amounts are
 *   rendered, and which rendering is signed), `null-fields` (signed fields sent as null or "",
 *   signed as `key=`);
 * - what a real gateway (or the proxy in front of it) sends: `payment-answer` (the payment
 *   create answered QR-only, as an HTML page, a script or an HTTP redirect), `wrapped-callback`
 *   (a callback as `{code, message, data}`), `loose-types` (unsigned fields of loose types).
 */
export type PtsSandboxFault = PtsSandboxFaultScope &
  (
    | { kind: 'delay'; ms: number }
    | { kind: 'error'; code: string; message?: string }
    | { kind: 'drop' }
    | {
        kind: 'http-status';
        status: number;
        /** Default: a small HTML page naming the status. */
        body?: string;
        /** Default `text/html; charset=utf-8`. */
        contentType?: string;
        /** true: the gateway served the request (the order exists) and a proxy in front of it
         *  answered this instead, as an nginx 504 after its upstream timed out. Default false:
         *  nothing happens at the gateway, as with a firewall's 403. */
        served?: boolean;
      }
    | { kind: 'duplicate-callback'; copies?: number }
    | { kind: 'out-of-order-callbacks' }
    | { kind: 'tamper-amount' }
    | { kind: 'wrong-key' }
    | {
        kind: 'amount-format';
        /** `string`: exact digits (the default); `trailing-zeros`: a string with 10 decimals
         *  (`"40000.0000000000"`, as v1 examples); `number`: a JSON number token. */
        format: 'string' | 'trailing-zeros' | 'number' | 'float-artifact';
        /** Which rendering goes into the sign string: as sent (default) or PHP's float. */
        signAs?: 'raw' | 'php-float';
        /** Only these amount fields (e.g. `["accept_amount"]`); default every amount. */
        fields?: string[];
      }
    | {
        kind: 'payment-answer';
        /** `qr-only`: JSON with `pay_url` null (signed as `pay_url=`) and the `qr_code`;
         *  `html`: an auto-submitting form; `script`: JavaScript that navigates (not starting with
         *  `window.`); `redirect`: an HTTP 3xx with `Location` = the pay URL and no body. */
        style: 'qr-only' | 'html' | 'script' | 'redirect';
        /** HTTP status: 2xx for `html`/`script` (default 200), 3xx for `redirect` (default 302). */
        status?: number;
        /** Default `text/html; charset=utf-8` (html), `text/javascript` (script). */
        contentType?: string;
      }
    | {
        kind: 'null-fields';
        /** Signed fields sent as null (or "") whatever their value, e.g. `["accept_amount"]`. */
        fields: string[];
        /** Default `null`. */
        as?: 'null' | 'empty';
      }
    | { kind: 'wrapped-callback' }
    | { kind: 'loose-types' }
  );

export interface PtsSandboxFaultScope {
  userId?: string;
  orderId?: string;
  /** A request endpoint (`payment`, `paymentQuery`, ..., `randomCode`, `token`) or a delivery
   *  kind (`paymentCallback`, `withdrawCallback`, `withdrawConfirm`). */
  endpoint?: string;
  /** How many times it acts before it is used up; default unlimited. */
  times?: number;
}

export type PtsSandboxFaultKind = PtsSandboxFault['kind'];

export const PTS_SANDBOX_REQUEST_TARGETS = [
  'payment',
  'paymentQuery',
  'withdraw',
  'withdrawQuery',
  'balance',
  'supportChannel',
  'randomCode',
  'token',
  'exchangeRate',
  'subscribe',
  'subscribeDisable',
] as const;

export const PTS_SANDBOX_DELIVERY_TARGETS = [
  'paymentCallback',
  'withdrawCallback',
  'withdrawConfirm',
  'subscribeCallback',
] as const;

const KINDS: readonly PtsSandboxFaultKind[] = [
  'delay',
  'error',
  'drop',
  'http-status',
  'duplicate-callback',
  'out-of-order-callbacks',
  'tamper-amount',
  'wrong-key',
  'amount-format',
  'payment-answer',
  'null-fields',
  'wrapped-callback',
  'loose-types',
];

/** Where each kind can act; a fault scoped to anything else would silently never fire. */
const TARGETS_BY_KIND: Record<PtsSandboxFaultKind, readonly string[]> = {
  delay: [...PTS_SANDBOX_REQUEST_TARGETS, ...PTS_SANDBOX_DELIVERY_TARGETS],
  drop: [...PTS_SANDBOX_REQUEST_TARGETS, ...PTS_SANDBOX_DELIVERY_TARGETS],
  error: PTS_SANDBOX_REQUEST_TARGETS,
  'http-status': PTS_SANDBOX_REQUEST_TARGETS,
  'duplicate-callback': ['paymentCallback', 'withdrawCallback'],
  'out-of-order-callbacks': ['paymentCallback', 'withdrawCallback'],
  // The v1 token calls are not signed (B 3).
  'tamper-amount': signedTargets(),
  'wrong-key': signedTargets(),
  'amount-format': signedTargets(),
  'payment-answer': ['payment'],
  'null-fields': signedTargets(),
  'wrapped-callback': ['paymentCallback', 'withdrawCallback'],
  'loose-types': ['paymentCallback', 'withdrawCallback', 'paymentQuery', 'withdrawQuery'],
};

function signedTargets(): string[] {
  return [...PTS_SANDBOX_REQUEST_TARGETS, ...PTS_SANDBOX_DELIVERY_TARGETS].filter(
    (t) => t !== 'randomCode' && t !== 'token',
  );
}

/** Where a fault is being considered. */
export interface PtsSandboxFaultSite {
  endpoint: string;
  userId?: string;
  orderId?: string;
}

export interface PtsSandboxActiveFault {
  readonly id: number;
  readonly fault: PtsSandboxFault;
  /** Uses left; undefined: unlimited. */
  readonly remaining?: number;
  /** How often it has acted. */
  readonly applied: number;
}

/**
 * Checks a fault given as data (the control API receives JSON) and returns it typed. Throws
 * `PtsSandboxError` with a message that names the wrong field.
 */
export function parsePtsSandboxFault(input: unknown): PtsSandboxFault {
  const bad = (why: string) =>
    new PtsSandboxError({ code: 'invalid_fault', message: `PTS sandbox fault: ${why}` });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw bad('must be a JSON object such as {"kind":"drop","endpoint":"payment"}');
  }
  const f = input as Record<string, unknown>;
  const kind = f.kind as PtsSandboxFaultKind;
  if (!KINDS.includes(kind)) throw bad(`\`kind\` must be one of ${KINDS.join(', ')}`);
  for (const key of ['userId', 'orderId', 'endpoint'] as const) {
    if (f[key] !== undefined && (typeof f[key] !== 'string' || f[key] === '')) {
      throw bad(`\`${key}\` must be a non-empty string`);
    }
  }
  const positiveInteger = (key: string, min: number) => {
    const v = f[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= min)) {
      throw bad(`\`${key}\` must be an integer >= ${min}`);
    }
  };
  positiveInteger('times', 1);
  const endpoint = f.endpoint as string | undefined;
  if (endpoint !== undefined && !TARGETS_BY_KIND[kind].includes(endpoint)) {
    throw bad(
      `a \`${kind}\` fault cannot act on \`${endpoint}\`; it acts on ${TARGETS_BY_KIND[kind].join(', ')}`,
    );
  }
  switch (kind) {
    case 'delay':
      if (f.ms === undefined) throw bad('`ms` is required for a delay');
      positiveInteger('ms', 0);
      break;
    case 'error':
      if (typeof f.code !== 'string' || !/^\d{4}$/.test(f.code)) {
        throw bad('`code` must be a 4-digit PTS code such as "8001"');
      }
      if (f.message !== undefined && typeof f.message !== 'string') {
        throw bad('`message` must be a string');
      }
      break;
    case 'http-status':
      if (!(
        Number.isSafeInteger(f.status) &&
        (f.status as number) >= 100 &&
        (f.status as number) <= 599
      )) {
        throw bad('`status` must be an HTTP status between 100 and 599');
      }
      if (f.body !== undefined && typeof f.body !== 'string') throw bad('`body` must be a string');
      if (f.contentType !== undefined && typeof f.contentType !== 'string') {
        throw bad('`contentType` must be a string');
      }
      if (f.served !== undefined && typeof f.served !== 'boolean') {
        throw bad('`served` must be true or false');
      }
      break;
    case 'payment-answer': {
      const styles = ['qr-only', 'html', 'script', 'redirect'];
      if (!styles.includes(f.style as string)) {
        throw bad(`\`style\` must be one of ${styles.join(', ')}`);
      }
      const [low, high] = f.style === 'redirect' ? [300, 399] : [200, 299];
      if (
        f.status !== undefined &&
        (f.style === 'qr-only' ||
          !(
            Number.isSafeInteger(f.status) &&
            (f.status as number) >= low &&
            (f.status as number) <= high
          ))
      ) {
        throw bad(
          f.style === 'qr-only'
            ? '`status` does not apply to a qr-only answer (an envelope travels as 200)'
            : `\`status\` of a ${f.style as string} answer must be between ${low} and ${high}`,
        );
      }
      if (f.contentType !== undefined && typeof f.contentType !== 'string') {
        throw bad('`contentType` must be a string');
      }
      break;
    }
    case 'null-fields':
      if (
        !Array.isArray(f.fields) ||
        f.fields.length === 0 ||
        !f.fields.every((name) => typeof name === 'string' && name !== '')
      ) {
        throw bad('`fields` must list the signed fields to send as null, e.g. ["accept_amount"]');
      }
      if (f.as !== undefined && !['null', 'empty'].includes(f.as as string)) {
        throw bad('`as` must be null or empty');
      }
      break;
    case 'duplicate-callback':
      positiveInteger('copies', 1);
      break;
    case 'amount-format':
      if (!['string', 'trailing-zeros', 'number', 'float-artifact'].includes(f.format as string)) {
        throw bad('`format` must be string, trailing-zeros, number or float-artifact');
      }
      if (f.signAs !== undefined && !['raw', 'php-float'].includes(f.signAs as string)) {
        throw bad('`signAs` must be raw or php-float');
      }
      if (
        f.fields !== undefined &&
        !(Array.isArray(f.fields) && f.fields.every((name) => typeof name === 'string'))
      ) {
        throw bad('`fields` must list amount field names, e.g. ["accept_amount"]');
      }
      break;
    default:
      break;
  }
  return { ...(f as unknown as PtsSandboxFault) };
}

interface FaultSlot {
  id: number;
  fault: PtsSandboxFault;
  remaining?: number;
  applied: number;
}

/** The active faults, in the order they were set; the first that matches acts. */
export class PtsSandboxFaults {
  private slots: FaultSlot[] = [];
  private nextId = 1;

  add(fault: PtsSandboxFault): number {
    const parsed = parsePtsSandboxFault(fault);
    const id = this.nextId++;
    this.slots.push({ id, fault: parsed, remaining: parsed.times, applied: 0 });
    return id;
  }

  clear(): void {
    this.slots = [];
  }

  list(): PtsSandboxActiveFault[] {
    return this.slots.map((s) => ({ ...s, fault: { ...s.fault } }));
  }

  /** The first fault of one of `kinds` that matches `site`, used once; undefined when none. */
  take<K extends PtsSandboxFaultKind>(
    site: PtsSandboxFaultSite,
    kinds: readonly K[],
  ): Extract<PtsSandboxFault, { kind: K }> | undefined {
    const slot = this.slots.find(
      (s) =>
        (kinds as readonly PtsSandboxFaultKind[]).includes(s.fault.kind) && matches(s.fault, site),
    );
    if (!slot) return undefined;
    slot.applied += 1;
    if (slot.remaining !== undefined) {
      slot.remaining -= 1;
      if (slot.remaining <= 0) this.slots = this.slots.filter((s) => s !== slot);
    }
    return slot.fault as Extract<PtsSandboxFault, { kind: K }>;
  }
}

function matches(fault: PtsSandboxFault, site: PtsSandboxFaultSite): boolean {
  if (!TARGETS_BY_KIND[fault.kind].includes(site.endpoint)) return false;
  if (fault.endpoint !== undefined && fault.endpoint !== site.endpoint) return false;
  if (fault.userId !== undefined && fault.userId !== site.userId) return false;
  if (fault.orderId !== undefined && fault.orderId !== site.orderId) return false;
  return true;
}
