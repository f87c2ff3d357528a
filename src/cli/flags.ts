/**
 * The vocabulary of the command table: flag and command specs, the scanned flag values, and the
 * flags every command shares. Receives nothing; emits types and constants for options.ts and the
 * command modules. Never parses argv itself (options.ts does) and never reads the environment.
 */
import type { LogLevel } from '../log';
import type { Env, Options } from '../options';

export type FlagKind = 'string' | 'port' | 'address' | 'hostport' | 'boolean' | { readonly oneOf: readonly string[] };

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly value?: string;
  readonly help: string;
  readonly default?: string;
  /** One-letter alias (`-f`). */
  readonly short?: string;
  /** May be given more than once; the values are collected in order. */
  readonly repeatable?: boolean;
  /** Accepted but left out of the help (test and tuning knobs, documented in docs/). */
  readonly hidden?: boolean;
}

export type FlagValues = ReadonlyMap<string, string | true | readonly string[]>;

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: readonly FlagSpec[];
  /** Positional arguments accepted after the command (names, for help and errors). */
  readonly positionals?: readonly string[];
  /** Any number of positionals is accepted (the last name repeats). */
  readonly variadic?: boolean;
  build(flags: FlagValues, positionals: readonly string[], env: Env, problems: string[]): Options;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export const HELP_FLAG: FlagSpec = { name: 'help', kind: 'boolean', help: 'show this help and exit' };

export const LOG_LEVEL_FLAG: FlagSpec = { name: 'log-level', kind: { oneOf: LOG_LEVELS }, value: 'LEVEL', default: 'info', help: 'debug, info, warn or error (env HEALTHPLANE_LOG_LEVEL)' };

/** The string value of a flag, or undefined (absent, boolean or repeated). */
export function flagString(flags: FlagValues, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** `--log-level`, else HEALTHPLANE_LOG_LEVEL, else info. */
export function logLevelOf(flags: FlagValues, env: Env, problems: string[]): LogLevel {
  const flag = flagString(flags, 'log-level');
  if (flag !== undefined) return flag as LogLevel;
  const envLevel = env.HEALTHPLANE_LOG_LEVEL;
  if (envLevel === undefined || envLevel === '') return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(envLevel)) return envLevel as LogLevel;
  problems.push(`HEALTHPLANE_LOG_LEVEL: "${envLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  return 'info';
}
