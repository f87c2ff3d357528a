/**
 * The probe seam: what the active checker asks of a protocol prober and what it gets back. Real
 * probers (http-prober.ts, tcp-prober.ts, grpc-prober.ts) and the tests' fake implement Prober.
 * A prober enforces the probe timeout itself, on the injected Clock, and reports exactly once;
 * it never touches host flags or stats (the session classifies results, spec §3.3/§3.5).
 */
import type { Clock, TimerHandle } from '../../clock';

/** Where to send a probe: the endpoint (or its health-check address) and the Host to present. */
export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
  /** Host/:authority for HTTP and gRPC probes (endpoint healthCheckHostname > probe host > cluster). */
  readonly authority: string;
}

/** Why a probe failed at the transport level (all are Envoy NETWORK failures except timeout). */
export type NetworkFailureKind = 'connect' | 'reset' | 'timeout';

export type ProbeResult =
  /** An HTTP answer: the session applies expected/retriable statuses. */
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly degraded: boolean;
      readonly immediateFail: boolean;
      /** `x-envoy-upstream-healthchecked-cluster` ('' when absent). */
      readonly healthcheckedCluster: string;
    }
  /** The protocol check passed (TCP connect/receive match; gRPC SERVING). */
  | { readonly kind: 'success' }
  /** The host answered but not as required (gRPC NOT_SERVING or non-OK grpc-status). */
  | { readonly kind: 'active-failure'; readonly detail: string }
  | { readonly kind: 'network'; readonly failure: NetworkFailureKind; readonly detail: string };

export interface ProbeHandle {
  /** Abandons the probe: no result will be reported. */
  cancel(): void;
}

export interface Prober {
  /** Starts one probe; `done` is called exactly once unless cancelled, at the latest after `timeoutMs`. */
  probe(target: ProbeTarget, timeoutMs: number, done: (result: ProbeResult) => void): ProbeHandle;
  /** Closes any connection kept for this target (host removed, session stopped). */
  release(target: ProbeTarget): void;
}

/**
 * Runs `start` with a timeout armed on `clock`: whichever of the protocol's answer and the timer
 * comes first is reported; `abort` is called on timeout or cancel so the prober can close sockets.
 */
export function withTimeout(
  clock: Clock,
  timeoutMs: number,
  done: (result: ProbeResult) => void,
  start: (finish: (result: ProbeResult) => void) => () => void,
): ProbeHandle {
  let finished = false;
  let abort: () => void = () => undefined;
  const timer: TimerHandle = clock.setTimeout(() => {
    if (finished) return;
    finished = true;
    abort();
    done({ kind: 'network', failure: 'timeout', detail: `no answer within ${timeoutMs} ms` });
  }, timeoutMs);
  const finish = (result: ProbeResult): void => {
    if (finished) return;
    finished = true;
    clock.clearTimeout(timer);
    done(result);
  };
  try {
    abort = start(finish);
  } catch (err) {
    // e.g. a header value node refuses: report it like a failed connection instead of throwing.
    finish({ kind: 'network', failure: 'connect', detail: err instanceof Error ? err.message : String(err) });
  }
  return {
    cancel: () => {
      if (finished) return;
      finished = true;
      clock.clearTimeout(timer);
      abort();
    },
  };
}
