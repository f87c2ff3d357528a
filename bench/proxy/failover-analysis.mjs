// Turns one failover run's raw data into its numbers. Pure: receives the load generator's records,
// the bad upstream's request arrival times (from its own process), the fault and recovery times
// and the proxy's health events; returns failures, detection and return times. Times are epoch ms.

/** A gap this long in the bad host's traffic means the proxy stopped sending to it. */
export const STOP_GAP_MS = 1000;

function isFailure(r) {
  return r[2] === 0 || r[2] >= 500;
}

/** Requests (abs time, status, upstream, error) from the load generator's compact records. */
export function toRequests({ startedAt, records }) {
  return records.map((r) => ({ at: startedAt + r[0], latencyMs: r[1], status: r[2], upstream: r[3], error: r[4], failed: isFailure(r) }));
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function latency(requests) {
  const ok = requests.map((r) => r.latencyMs).filter(Number.isFinite).sort((a, b) => a - b);
  return { p50: percentile(ok, 50), p99: percentile(ok, 99), max: ok.length ? ok[ok.length - 1] : Number.NaN };
}

/**
 * When the bad host stopped getting traffic: the last arrival after the fault that is followed by
 * a gap of STOP_GAP_MS (or by the recovery). Arrivals after that, before recovery, are "leaks"
 * (nginx's fail_timeout retries, an outlier un-ejection...).
 */
export function stopTime(arrivals, faultAt, recoverAt) {
  const during = arrivals.filter((t) => t >= faultAt && t < recoverAt).sort((a, b) => a - b);
  if (during.length === 0) return { stopMs: 0, arrivalsDuringFault: 0, leaks: 0 };
  let i = 0;
  while (i + 1 < during.length && during[i + 1] - during[i] < STOP_GAP_MS) i++;
  const stoppedAt = during[i];
  const closesWindow = recoverAt - stoppedAt >= STOP_GAP_MS;
  return {
    stopMs: closesWindow ? stoppedAt - faultAt : Number.NaN,
    arrivalsDuringFault: during.length,
    leaks: during.length - i - 1,
  };
}

/** First proxy event after `from` that says the bad host is down (or up again); ms after `from`. */
function eventDelay(events, from, isState) {
  const e = events.find((ev) => ev.t >= from && isState(ev));
  return e ? { ms: e.t - from, what: e.what } : { ms: Number.NaN, what: '' };
}

/** Normalizes proxies' events to { t, down: bool, what } for the bad host. */
export function badHostEvents(events, badIndex, badKey) {
  const out = [];
  for (const e of events) {
    if (e.hosts) {
      const flags = e.hosts[badKey];
      if (flags !== undefined) out.push({ t: e.t, down: flags !== 'healthy', what: flags });
    } else if (e.server === badIndex) {
      out.push({ t: e.t, down: e.state === 'DOWN', what: e.reason ? `${e.state}: ${e.reason}` : e.state });
    }
  }
  return out;
}

/**
 * run: { load: {startedAt, records}, badName, badArrivals, faultAt, recoverAt, events (normalized) }
 */
export function analyzeRun(run) {
  const requests = toRequests(run.load);
  const failed = requests.filter((r) => r.failed);
  const duringFault = requests.filter((r) => r.at >= run.faultAt && r.at < run.recoverAt);
  const failedBad = failed.filter((r) => r.upstream === run.badName).length;
  const failedErrors = failed.filter((r) => r.status === 0).length;
  const firstAfterRecovery = run.badArrivals.filter((t) => t >= run.recoverAt).sort((a, b) => a - b)[0];
  const lastFailure = failed.filter((r) => r.at < run.recoverAt).reduce((m, r) => Math.max(m, r.at), -Infinity);
  const stop = stopTime(run.badArrivals, run.faultAt, run.recoverAt);
  const down = eventDelay(run.events, run.faultAt, (e) => e.down);
  const up = eventDelay(run.events, run.recoverAt, (e) => !e.down);
  const hcDown = eventDelay(run.events, run.faultAt, (e) => e.down && /failed_active_hc|Layer[4-7]/.test(e.what));
  return {
    requests: requests.length,
    failed: failed.length,
    failedFromBadHost: failedBad,
    failedLocalReplies: failed.length - failedBad - failedErrors,
    failedConnectionErrors: failedErrors,
    failedAfterRecovery: failed.filter((r) => r.at >= run.recoverAt).length,
    failedBeforeFault: failed.filter((r) => r.at < run.faultAt).length,
    lastFailureMs: Number.isFinite(lastFailure) ? lastFailure - run.faultAt : Number.NaN,
    stopMs: stop.stopMs,
    badArrivalsDuringFault: stop.arrivalsDuringFault,
    leaks: stop.leaks,
    returnMs: firstAfterRecovery === undefined ? Number.NaN : firstAfterRecovery - run.recoverAt,
    proxyDownMs: down.ms,
    proxyDownWhat: down.what,
    proxyUpMs: up.ms,
    activeCheckDownMs: hcDown.ms,
    latency: latency(requests),
    latencyDuringFault: latency(duringFault),
    achievedRps: requests.length / ((requests[requests.length - 1]?.at - requests[0]?.at) / 1000 || 1),
  };
}
