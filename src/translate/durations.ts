/**
 * Duration parsing for the input dialects: Go `time.ParseDuration` strings (Gloo: "2s", "1m30s",
 * "500ms") and Kong integer-or-fractional seconds. Results are milliseconds; errors are strings.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export type Parsed = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

/** Go duration syntax: an optionally signed sequence of decimal numbers with units, or "0". */
export function parseGoDuration(text: string): Parsed {
  const bad: Parsed = { ok: false, message: `"${text}" is not a duration (examples: "2s", "500ms", "1m30s")` };
  if (text === '0') return { ok: true, ms: 0 };
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) return bad;
  let total = 0;
  for (const part of (m[2] as string).matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (UNIT_MS[part[2] as string] as number);
  }
  if (m[1] === '-' && total > 0) return { ok: false, message: `"${text}" is negative` };
  return { ok: true, ms: roundNs(total) };
}

/** Kong seconds -> ms (fractions keep millisecond precision). */
export function kongSecondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** Removes floating-point noise below one nanosecond. */
function roundNs(ms: number): number {
  return Math.round(ms * 1e6) / 1e6;
}
