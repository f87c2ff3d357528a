/**
 * Constraints Envoy enforces in C++ when it loads a resource, beyond the PGV annotations in the
 * .proto files. Keyed by message full name; each check receives the decoded message and appends
 * violations with an `envoy.` rule prefix. Keep this list short and cite the Envoy behaviour.
 */
import { isRecord, toBigInt } from './rule-options';
import { joinPath, type Violation } from './violation';

export type LoadCheck = (msg: Readonly<Record<string, unknown>>, path: string, out: Violation[]) => void;

/**
 * HttpHealthCheck.expected_statuses / retriable_statuses: Envoy's HTTP health checker rejects a
 * range unless 100 <= start < end <= 600 ("Only statuses in the range [100, 600) are allowed").
 */
const httpStatusRanges: LoadCheck = (msg, path, out) => {
  for (const name of ['expected_statuses', 'retriable_statuses']) {
    const ranges = msg[name];
    if (!Array.isArray(ranges)) continue;
    ranges.forEach((range: unknown, i) => {
      const at = joinPath(path, `${name}[${i}]`);
      const start = isRecord(range) ? (toBigInt(range.start) ?? 0n) : 0n;
      const end = isRecord(range) ? (toBigInt(range.end) ?? 0n) : 0n;
      if (start < 100n) out.push({ path: `${at}.start`, rule: 'envoy.http_status_range', message: `status range start must be >= 100, got ${start}` });
      if (end > 600n) out.push({ path: `${at}.end`, rule: 'envoy.http_status_range', message: `status range end must be <= 600, got ${end}` });
      if (start >= end) out.push({ path: at, rule: 'envoy.http_status_range', message: `status range start must be < end, got [${start}, ${end})` });
    });
  }
};

const CHECKS: ReadonlyMap<string, LoadCheck> = new Map([
  ['.envoy.config.core.v3.HealthCheck.HttpHealthCheck', httpStatusRanges],
]);

/** The Envoy load-time check for a message type (full name with leading dot), if any. */
export function envoyLoadCheck(fullName: string): LoadCheck | undefined {
  return CHECKS.get(fullName);
}
