/**
 * Duration and Timestamp rule families (PGV well-known types). Receives the rule object; emits a
 * ValueCheck run on a set google.protobuf.Duration/Timestamp message (the walker handles
 * `required`). Values compare as total nanoseconds. `lt_now`, `gt_now` and `within` need a wall
 * clock and are skipped on purpose (see docs/validation-rules.md).
 */
import { checkRange, type Bounds } from './numeric-rules';
import { asArray, isRecord, NANOS_PER_SECOND, secondsNanosToBigInt, toBigInt, type RuleObject } from './rule-options';
import { type ValueCheck } from './violation';

const MAX_DURATION_SECONDS = 315_576_000_000n;
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z

function formatDuration(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const secs = abs / NANOS_PER_SECOND;
  const frac = abs % NANOS_PER_SECOND;
  return frac === 0n ? `${sign}${secs}s` : `${sign}${secs}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}s`;
}

function formatTimestamp(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${nanos}ns` : date.toISOString();
}

function parts(value: unknown): { seconds: bigint; nanos: bigint } | undefined {
  if (!isRecord(value)) return undefined;
  const seconds = value.seconds == null ? 0n : toBigInt(value.seconds);
  const nanos = value.nanos == null ? 0n : toBigInt(value.nanos);
  return seconds === undefined || nanos === undefined ? undefined : { seconds, nanos };
}

function durationInvalid(p: { seconds: bigint; nanos: bigint }): boolean {
  if (p.seconds > MAX_DURATION_SECONDS || p.seconds < -MAX_DURATION_SECONDS) return true;
  if (p.nanos >= NANOS_PER_SECOND || p.nanos <= -NANOS_PER_SECOND) return true;
  return (p.seconds > 0n && p.nanos < 0n) || (p.seconds < 0n && p.nanos > 0n);
}

function timestampInvalid(p: { seconds: bigint; nanos: bigint }): boolean {
  if (p.seconds < MIN_TIMESTAMP_SECONDS || p.seconds > MAX_TIMESTAMP_SECONDS) return true;
  return p.nanos < 0n || p.nanos >= NANOS_PER_SECOND;
}

interface TimeSpec {
  readonly kind: 'duration' | 'timestamp';
  readonly invalid: (p: { seconds: bigint; nanos: bigint }) => boolean;
  readonly fmt: (nanos: bigint) => string;
}

function compileTime(spec: TimeSpec, r: RuleObject): ValueCheck {
  const opt = (key: string): bigint | undefined => (r[key] === undefined ? undefined : secondsNanosToBigInt(r[key]));
  const constant = opt('const');
  const bounds: Bounds<bigint> = { lt: opt('lt'), lte: opt('lte'), gt: opt('gt'), gte: opt('gte') };
  const inList = asArray(r.in).map(secondsNanosToBigInt).filter((v): v is bigint => v !== undefined);
  const notIn = asArray(r.not_in).map(secondsNanosToBigInt).filter((v): v is bigint => v !== undefined);
  const { kind, fmt } = spec;
  return (raw, path, out) => {
    const p = parts(raw);
    if (p === undefined || spec.invalid(p)) {
      out.push({ path, rule: `${kind}.valid`, message: `value is not a valid ${kind}` });
      return;
    }
    const v = p.seconds * NANOS_PER_SECOND + p.nanos;
    if (constant !== undefined && v !== constant) {
      out.push({ path, rule: `${kind}.const`, message: `value must equal ${fmt(constant)}, got ${fmt(v)}` });
    }
    const failure = checkRange(v, bounds, fmt);
    if (failure) out.push({ path, rule: `${kind}.${failure.key}`, message: failure.message });
    if (inList.length > 0 && !inList.includes(v)) {
      out.push({ path, rule: `${kind}.in`, message: `value must be one of [${inList.map(fmt).join(', ')}], got ${fmt(v)}` });
    }
    if (notIn.includes(v)) {
      out.push({ path, rule: `${kind}.not_in`, message: `value must not be one of [${notIn.map(fmt).join(', ')}]` });
    }
  };
}

export function compileDurationRules(r: RuleObject): ValueCheck {
  return compileTime({ kind: 'duration', invalid: durationInvalid, fmt: formatDuration }, r);
}

/** lt_now / gt_now / within are not enforced: the checker has no clock by design. */
export function compileTimestampRules(r: RuleObject): ValueCheck {
  return compileTime({ kind: 'timestamp', invalid: timestampInvalid, fmt: formatTimestamp }, r);
}
