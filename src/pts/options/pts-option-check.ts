import { getMetadataStorage, validateSync } from 'class-validator';
import { PtsConfigurationError } from '../errors/pts-error.js';

/** A class whose properties carry the rules of `pts-option-rules.ts`. */
export type PtsSchema = new () => object;

/** The options a schema knows, in the order it declares them. */
export function ptsSchemaKeys(schema: PtsSchema): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

/**
 * Collects configuration problems, so that boot reports all of them at once: those of the
 * schemas (`check`) and those the real objects raise while they are built (`build`: the cipher,
 * the key parser, the allow-list say what is wrong with their input, nobody restates it).
 */
export class PtsProblems {
  readonly list: PtsConfigurationError[] = [];

  constructor(
    /** Whose options these are, for "is not an option of ...". */
    private readonly owner = 'the PTS module',
  ) {}

  get count(): number {
    return this.list.length;
  }

  add(option: string, code: string, message: string): void {
    this.list.push(new PtsConfigurationError({ code, message, option }));
  }

  /** Builds a real object; a configuration error it throws becomes a problem. */
  build<T>(make: () => T): T | undefined {
    try {
      return make();
    } catch (error) {
      if (!(error instanceof PtsConfigurationError)) throw error;
      this.list.push(error);
      return undefined;
    }
  }

  /**
   * Checks `raw` against `schema`; each problem names its option as `at` + key. Unknown keys
   * are problems too (with a "did you mean" for a wrong case). True when all was well.
   */
  check(schema: PtsSchema, raw: Record<string, unknown>, at = ''): boolean {
    const before = this.count;
    const known = ptsSchemaKeys(schema);
    const path = (key: string) => (at ? `${at}.${key}` : key);
    for (const key of Object.keys(raw)) {
      if (known.includes(key)) continue;
      const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
      this.add(
        path(key),
        'unknown_option',
        `PTS: option \`${path(key)}\` is not an option of ${this.owner}${near ? `; did you mean \`${near}\`?` : `; the options here are ${known.map((k) => `\`${k}\``).join(', ')}.`}`,
      );
    }
    const instance = Object.assign(new schema(), pick(raw, known));
    const errors = validateSync(instance, { forbidUnknownValues: false, stopAtFirstError: true });
    const order = (property: string) => known.indexOf(property);
    for (const error of errors.sort((a, b) => order(a.property) - order(b.property))) {
      const [name, message] = Object.entries(error.constraints ?? {})[0] ?? [];
      if (!name || !message) continue;
      const code = (error.contexts?.[name] as { code?: string } | undefined)?.code;
      const option = path(error.property);
      this.add(option, code ?? 'invalid_option', message.replaceAll('{option}', option));
    }
    return this.count === before;
  }

  /** Drops problems that do not apply (e.g. `accounts` a host fills in later). */
  drop(unwanted: (problem: PtsConfigurationError) => boolean): void {
    const kept = this.list.filter((p) => !unwanted(p));
    this.list.splice(0, this.list.length, ...kept);
  }

  /**
   * Puts the problems found since `before` about the options of `at` in the order `keys`
   * declares them, so that a schema's problems and its objects' problems read as one list.
   */
  orderSince(before: number, at: string, keys: readonly string[]): void {
    const rank = (p: PtsConfigurationError) => {
      const key = p.option?.startsWith(`${at}.`) ? p.option.slice(at.length + 1) : '';
      return keys.indexOf(key.replace(/[.[].*$/, ''));
    };
    const tail = this.list.splice(before).sort((a, b) => rank(a) - rank(b));
    this.list.push(...tail);
  }

  /** Whether `option` (or an option below it) has a problem. */
  has(option: string): boolean {
    return this.about(option).length > 0;
  }

  /** Problems of one option or below it (`accounts[0]` covers `accounts[0].safecode`). */
  about(option: string): PtsConfigurationError[] {
    return this.list.filter(
      (p) => p.option === option || p.option?.startsWith(`${option}.`) === true,
    );
  }
}

function pick(raw: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in raw).map((k) => [k, raw[k]]));
}
