import { PtsCliError } from './error.js';

/** The parsed arguments of one command, read with checks that name the flag at fault. */
export class PtsCliArgs {
  constructor(
    readonly command: string,
    private readonly values: Readonly<Record<string, unknown>>,
    readonly positionals: readonly string[],
  ) {}

  /** A string option, or undefined when absent. An empty value is an error, not "absent". */
  string(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return undefined;
    if (value.length === 0) throw PtsCliError.usage(`option --${name} is empty`);
    return value;
  }

  /** A string option that must be there; `hint` says where else it may come from. */
  required(name: string, hint = ''): string {
    const value = this.string(name);
    if (value === undefined) {
      throw PtsCliError.usage(`option --${name} is required${hint}`, 'missing_option');
    }
    return value;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** One of a fixed set of words. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T, envValue?: string): T {
    const value = this.string(name) ?? envValue ?? fallback;
    if (!(choices as readonly string[]).includes(value)) {
      throw PtsCliError.usage(
        `option --${name} must be one of ${choices.join(', ')}, got \`${value}\``,
        'invalid_option',
      );
    }
    return value as T;
  }

  /** A whole number in a range. */
  integer(name: string, range: { min: number; max: number; fallback: number }): number {
    const text = this.string(name);
    if (text === undefined) return range.fallback;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
      throw PtsCliError.usage(
        `option --${name} must be a whole number from ${range.min} to ${range.max}, got \`${text}\``,
        'invalid_option',
      );
    }
    return value;
  }

  /** A positive number of seconds (decimals allowed), returned in milliseconds. */
  seconds(name: string, fallbackSeconds: number): number {
    const text = this.string(name);
    if (text === undefined) return fallbackSeconds * 1000;
    const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!(value > 0) || value > 3600) {
      throw PtsCliError.usage(
        `option --${name} must be a number of seconds above 0 and at most 3600, got \`${text}\``,
        'invalid_option',
      );
    }
    return Math.round(value * 1000);
  }

  /** Exactly one of two options that exclude each other, or neither. */
  exclusive(a: string, b: string): void {
    if (this.values[a] !== undefined && this.values[b] !== undefined) {
      throw PtsCliError.usage(`options --${a} and --${b} exclude each other; give one`);
    }
  }
}
