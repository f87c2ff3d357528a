/**
 * RetryPolicy: when the native proxy tries a request again, as Envoy's route `retry_policy` says
 * (`retry_on` conditions, `num_retries`, `per_try_timeout`, jittered exponential back-off, the
 * `previous_hosts` predicate), plus Kong's default (TCP failures retried on other targets up to
 * `retries: 5`, statuses never). Pure decisions over one failed attempt; never sends anything.
 */
import type { Random } from '../clock';

// The native proxy's options carry the policy `--retry-on` builds (serve-commands.ts → NativeProxy).
/** Envoy's `retry_on` conditions the native proxy implements. */
export const RETRY_ON = ['5xx', 'gateway-error', 'reset', 'connect-failure'] as const;
export type RetryOn = (typeof RETRY_ON)[number];

export interface RetryPolicy {
  readonly retryOn: readonly RetryOn[];
  /** Retries after the first attempt (Envoy's default with a policy: 1). */
  readonly numRetries: number;
  /** Timeout of each attempt in ms; 0: only the route timeout applies. */
  readonly perTryTimeoutMs: number;
  /** Envoy's `previous_hosts` retry host predicate: a retry avoids hosts already tried. */
  readonly previousHosts: boolean;
  /** `retry_back_off.base_interval`; 0 retries at once. */
  readonly backoffBaseMs: number;
  /** `retry_back_off.max_interval` (Envoy: 10 × base). */
  readonly backoffMaxMs: number;
}

/** Envoy's defaults for a route that has a retry policy. */
export const ENVOY_RETRY_DEFAULTS = { numRetries: 1, perTryTimeoutMs: 0, previousHosts: true, backoffBaseMs: 25, backoffMaxMs: 250 } as const;

/** Kong's service default (`retries: 5`): connection failures and connect timeouts, other targets, no back-off. */
export function kongRetryPolicy(retries = 5): RetryPolicy {
  return { retryOn: ['connect-failure'], numRetries: retries, perTryTimeoutMs: 0, previousHosts: true, backoffBaseMs: 0, backoffMaxMs: 0 };
}

/** What went wrong with one attempt. */
export type AttemptFailure =
  | { readonly type: 'connect-failure' }
  /** Reset or closed by the upstream after the request went out, before response headers. */
  | { readonly type: 'reset' }
  | { readonly type: 'per-try-timeout' }
  | { readonly type: 'response'; readonly status: number };

/** Whether `policy` retries `failure` (Envoy counts resets and per-try timeouts as 5xx). */
export function retriable(policy: RetryPolicy, failure: AttemptFailure): boolean {
  const on = (c: RetryOn): boolean => policy.retryOn.includes(c);
  const asFiveXx = on('5xx') || on('gateway-error') || on('reset');
  switch (failure.type) {
    case 'connect-failure':
      return on('connect-failure') || asFiveXx;
    case 'reset':
    case 'per-try-timeout':
      return asFiveXx;
    case 'response':
      return (on('5xx') && failure.status >= 500 && failure.status < 600) || (on('gateway-error') && failure.status >= 502 && failure.status <= 504);
  }
}

/** Envoy's jittered exponential back-off before retry number `n` (1-based): uniform in [0, (2^n − 1) × base), capped. */
export function backoffMs(policy: RetryPolicy, n: number, random: Random): number {
  if (policy.backoffBaseMs <= 0) return 0;
  const span = Math.min(policy.backoffBaseMs * (2 ** Math.min(n, 30) - 1), policy.backoffMaxMs);
  return Math.floor(random.next() * span);
}

/** Parses `--retry-on` (comma separated); returns the problem instead when a value is unknown. */
export function parseRetryOn(text: string): readonly RetryOn[] | string {
  const values = text.split(',').map((v) => v.trim()).filter((v) => v !== '');
  const bad = values.filter((v) => !(RETRY_ON as readonly string[]).includes(v));
  if (values.length === 0) return `expected one or more of ${RETRY_ON.join(', ')}`;
  if (bad.length > 0) return `unknown ${bad.join(', ')} (known: ${RETRY_ON.join(', ')})`;
  return [...new Set(values)] as RetryOn[];
}
