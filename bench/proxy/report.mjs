// Text and Markdown reports of the proxy benchmark: throughput table (median of the runs), every
// run, failover tables per fault, the goals of issue 4 checked against the numbers, and the top
// of the CPU profiles. Pure formatting; receives the results of throughput.mjs and failover.mjs.

const f0 = (v) => (Number.isFinite(v) ? v.toFixed(0) : '-');
const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : '-');
const msOr = (v) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '—');

/** Interval × unhealthy_threshold + one timeout, from the benchmark's health-check settings. */
export const DETECTION_BOUND_MS = 1000 * 2 + 1000;

export function machineMarkdown(m) {
  return `Machine: \`nproc\` ${m.nproc} (${m.cpuModel}), ${m.memory} memory, Linux ${m.kernel}, ${m.os}; Node.js ${m.node}, ${m.haproxy}, ${m.nginx}, ${m.wrk}. Load average at the start: ${m.loadavg}. Date: ${m.date}.`;
}

export function throughputMarkdown(t) {
  const lines = [];
  if (t.comparison) {
    lines.push(`Upstream choice (wrk straight at one upstream, \`/get\`): static nginx ${f0(t.comparison.nginx.rps)} req/s (p99 ${f2(t.comparison.nginx.latencyMs.p99)} ms), demo upstream process ${f0(t.comparison.demo.rps)} req/s (p99 ${f2(t.comparison.demo.latencyMs.p99)} ms) → the throughput runs use **${t.upstream === 'nginx' ? 'static nginx' : 'demo upstream processes'}**.`, '');
  }
  const haproxy = t.targets.haproxy?.rps;
  lines.push(`| target | req/s (median of ${t.settings.runs}) | p50 | p99 | proxy CPU per request (user + sys) | vs HAProxy | socket errors |`);
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, s] of Object.entries(t.targets)) {
    const cpu = name === 'direct' ? '—' : `${f0(s.userUs)} + ${f0(s.sysUs)} µs`;
    const vs = haproxy && name !== 'direct' ? `${((100 * s.rps) / haproxy).toFixed(0)}%` : '—';
    lines.push(`| ${name} | ${f0(s.rps)} | ${f2(s.p50)} ms | ${f2(s.p99)} ms | ${cpu} | ${vs} | ${s.errors} |`);
  }
  lines.push('', 'Every run (req/s, p50/p99 ms, 1-minute load average before the run):', '');
  lines.push(`| target | ${Array.from({ length: t.settings.runs }, (_, i) => `run ${i + 1}`).join(' | ')} |`);
  lines.push(`|---|${'---:|'.repeat(t.settings.runs)}`);
  for (const [name, s] of Object.entries(t.targets)) {
    lines.push(`| ${name} | ${s.runs.map((r) => `${f0(r.rps)} (${f2(r.latencyMs.p50)}/${f2(r.latencyMs.p99)}; ${r.loadavg1.toFixed(1)})`).join(' | ')} |`);
  }
  return lines.join('\n');
}

const FAULT_TITLE = { fail500: 'u2 starts answering 500 (`POST /admin/fail?status=500`), recovers after the fault time (`POST /admin/recover`)', kill: 'u2 is killed (SIGKILL), restarted on the same port after the fault time' };

export function failoverMarkdown(f) {
  const lines = [];
  for (const fault of f.settings.faults) {
    const runs = f.runs.filter((r) => r.fault === fault);
    lines.push(`**${fault}**: ${FAULT_TITLE[fault] ?? fault}.`, '');
    lines.push('| proxy | failed / sent | 5xx from u2 | proxy 5xx | u2 stops getting traffic | later requests to u2 | proxy marks u2 down | … by active check | u2 gets traffic again | p99 |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of runs) {
      const x = r.result;
      const stop = fault === 'kill' ? '(dead)' : msOr(x.stopMs);
      lines.push(`| ${r.proxy}${f.settings.repeats > 1 ? ` #${r.repeat}` : ''} | ${x.failed} / ${x.requests} | ${x.failedFromBadHost} | ${x.failedLocalReplies + x.failedConnectionErrors} | ${stop} | ${fault === 'kill' ? '—' : x.leaks} | ${msOr(x.proxyDownMs)}${x.proxyDownWhat ? ` (${x.proxyDownWhat})` : ''} | ${msOr(x.activeCheckDownMs)} | ${msOr(x.returnMs)} | ${f2(x.latency.p99)} ms |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** The three goals of issue 4, evaluated; returns Markdown bullet lines. */
export function goalsMarkdown(t, f) {
  const out = [];
  const names = Object.keys(t?.targets ?? {});
  for (const hpName of names.filter((n) => n.startsWith('healthplane'))) {
    for (const peerName of names.filter((n) => n.startsWith('haproxy'))) {
      const hp = t.targets[hpName];
      const peer = t.targets[peerName];
      const ratio = hp.rps / peer.rps;
      // Runs are interleaved (run i of every target, then run i + 1), so run i's pair saw the same machine.
      const perRun = hp.runs.map((r, i) => (peer.runs[i] ? r.rps / peer.runs[i].rps : Number.NaN)).filter(Number.isFinite);
      const runText = perRun.length > 1 ? ` (run by run: ${perRun.map((x) => `${(100 * x).toFixed(0)}%`).join(', ')})` : '';
      out.push(`- Throughput ≥ ½ of HAProxy: ${hpName} ${f0(hp.rps)} req/s = ${(100 * ratio).toFixed(0)}% of ${peerName}'s ${f0(peer.rps)}${runText} → **${ratio >= 0.5 ? 'met' : 'missed'}**.`);
    }
  }
  for (const fault of f?.settings.faults ?? []) {
    const runs = f.runs.filter((r) => r.fault === fault);
    const peers = runs.filter((r) => !r.proxy.startsWith('healthplane'));
    const best = peers.reduce((b, r) => (b === undefined || r.result.failed < b.result.failed ? r : b), undefined);
    const bestNoRetry = peers.filter((r) => r.proxy.endsWith('-noretry')).reduce((b, r) => (b === undefined || r.result.failed < b.result.failed ? r : b), undefined);
    for (const name of [...new Set(runs.map((r) => r.proxy).filter((p) => p.startsWith('healthplane')))]) {
      const hp = runs.filter((r) => r.proxy === name).map((r) => r.result);
      if (hp.length === 0) continue;
      const hpFailed = Math.max(...hp.map((x) => x.failed));
      if (best) out.push(`- ${fault}, failed requests ≤ best peer: ${name} ${hpFailed}, best peer ${best.proxy} ${best.result.failed} → **${hpFailed <= best.result.failed ? 'met' : 'missed'}**${bestNoRetry ? `; against the best peer without retries (${bestNoRetry.proxy}, ${bestNoRetry.result.failed}) → ${hpFailed <= bestNoRetry.result.failed ? 'met' : 'missed'}` : ''}.`);
      const detect = Math.max(...hp.map((x) => x.proxyDownMs));
      const byCheck = Math.max(...hp.map((x) => x.activeCheckDownMs));
      const ok = detect <= DETECTION_BOUND_MS && byCheck <= DETECTION_BOUND_MS;
      out.push(`- ${fault}, detection ≤ ${DETECTION_BOUND_MS} ms (interval × unhealthy_threshold + timeout): ${name} marked u2 down after ${msOr(detect)} (outlier detection), by active health checking after ${msOr(byCheck)} → **${ok ? 'met' : 'missed'}**.`);
    }
  }
  return out.join('\n');
}

export function profileMarkdown(profiles, top = 15) {
  const lines = [];
  for (const [name, p] of Object.entries(profiles ?? {})) {
    lines.push(`\`${name}\` under \`--cpu-prof\`: ${f0(p.rpsUnderProfiler)} req/s, ${f0(p.totalMs)} ms sampled; self time, top ${top}:`, '');
    lines.push('| self ms | % | function |', '|---:|---:|---|');
    for (const [fn, ms] of p.top.slice(0, top)) lines.push(`| ${ms.toFixed(0)} | ${((100 * ms) / p.totalMs).toFixed(1)} | \`${fn.replace(/\s+/g, ' ')}\` |`);
    lines.push('');
  }
  return lines.join('\n');
}
