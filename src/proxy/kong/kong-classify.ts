/**
 * How Kong reads a result (resources.md §2.4, §2.8): which counter a proxied request's outcome or
 * an active probe's result feeds, and the limit of that counter in its section. Pure functions
 * over ir.KongHealthSettings; undefined means "Kong ignores this result".
 */
import type * as ir from '../../ir/types';
import type { RequestOutcome } from '../health/cluster-health';
import type { ProbeResult } from '../health/prober';
import type { KongCounter } from './kong-target';

interface StatusLists {
  readonly healthy: { readonly httpStatuses: readonly number[] };
  readonly unhealthy: { readonly httpStatuses: readonly number[] };
}

/** classifyHttp of §2.8: healthy list first, then the unhealthy list or status 0; else ignored. */
export function classifyStatus(status: number, lists: StatusLists): KongCounter | undefined {
  if (lists.healthy.httpStatuses.includes(status)) return 'success';
  if (status === 0 || !Number.isInteger(status) || lists.unhealthy.httpStatuses.includes(status)) return 'http';
  return undefined;
}

/**
 * A proxied request: a 504 is a timeout, other statuses go through the passive lists, a failed
 * connection is a TCP failure, no answer in time is a timeout. A bare successful connect is not
 * a result Kong reports.
 */
export function classifyPassive(outcome: RequestOutcome, passive: ir.KongPassiveSettings): KongCounter | undefined {
  switch (outcome.type) {
    case 'response':
      return outcome.status === 504 ? 'timeout' : classifyStatus(outcome.status, passive);
    case 'connect-failure':
      return 'tcp';
    case 'timeout':
      return 'timeout';
    case 'connect-success':
      return undefined;
  }
}

/** An active probe: HTTP statuses through the active lists; TLS/connect/reset errors are TCP failures. */
export function classifyProbe(result: ProbeResult, active: ir.KongActiveSettings): KongCounter | undefined {
  switch (result.kind) {
    case 'http':
      return classifyStatus(result.status, active);
    case 'success':
      return 'success';
    case 'active-failure':
      return 'http';
    case 'network':
      return result.failure === 'timeout' ? 'timeout' : 'tcp';
  }
}

/** The configured threshold of `counter` in one section (0 = that counter is off). */
export function limitOf(counter: KongCounter, section: ir.KongActiveSettings | ir.KongPassiveSettings): number {
  switch (counter) {
    case 'success':
      return section.healthy.successes;
    case 'http':
      return section.unhealthy.httpFailures;
    case 'tcp':
      return section.unhealthy.tcpFailures;
    case 'timeout':
      return section.unhealthy.timeouts;
  }
}
