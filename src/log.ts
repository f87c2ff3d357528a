/**
 * Logging: a small structured Logger (JSON lines on stderr by default) with child loggers per
 * component, and named trace categories that cost nothing unless enabled (HEALTHPLANE_TRACE, read
 * by main.ts only). Never console.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry `component`. */
  child(component: string): Logger;
  /** Whether a named trace category (e.g. "xds", "xds:wire") is on. */
  traceEnabled(category: string): boolean;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly traces: readonly string[];
  readonly write: (line: string) => void;
}

export function createLogger(options: LoggerOptions, component = 'healthplane'): Logger {
  const min = LEVELS[options.level];
  const traces = new Set(options.traces);
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (LEVELS[level] < min) return;
    const record: Record<string, unknown> = { level, component, msg };
    if (fields) for (const [k, v] of Object.entries(fields)) record[k] = v instanceof Error ? v.message : v;
    options.write(JSON.stringify(record) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (name) => createLogger(options, `${component}.${name}`),
    traceEnabled: (category) => traces.has('*') || traces.has(category),
  };
}

/** A logger that drops everything; for tests and benchmarks. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
  traceEnabled: () => false,
};
