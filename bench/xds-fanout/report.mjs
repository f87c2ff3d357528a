// Renders xds-fanout results (from measure-mode.mjs) as plain text for the terminal and as a
// Markdown block for docs/benchmarks.md. Pure formatting; no measurement here.
import { kib, mib, ms } from '../lib/stats.mjs';

export function textReport(r) {
  const p = r.params;
  const lines = [
    `xds-fanout ${r.mode}: ${p.clients} clients x ${p.clusters} clusters (${p.endpoints} endpoints each)${p.withRegistry ? ', with ClientRegistry hooks' : ''}`,
    `  converged: ${r.convergence.converged}/${p.clients} in ${ms(r.convergence.ms)}${r.convergence.complete ? '' : '  (TIMED OUT)'}; largest response ${kib(r.client?.maxResponseBytes ?? 0)}`,
    '  change  cluster     setSnapshot  last sent  p50        p99        max        acked      responses  bytes/change  server CPU',
  ];
  for (const c of r.changes) {
    lines.push(`  ${String(c.k).padEnd(6)}  ${c.cluster.padEnd(10)}  ${ms(c.setSnapshotMs).padEnd(11)}  ${ms(c.sent.max).padEnd(9)}  ${ms(c.latency.p50).padEnd(9)}  ${ms(c.latency.p99).padEnd(9)}  ${ms(c.latency.max).padEnd(9)}  ${`${c.acked}/${c.expected}`.padEnd(9)}  ${String(c.responses).padEnd(9)}  ${kib(c.bytes).padEnd(12)}  ${ms(c.serverCpuMs)}${c.timedOut ? '  TIMED OUT' : ''}`);
  }
  lines.push(`  all changes (${r.latency.count} ACKs): p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}, max ${ms(r.latency.max)}`);
  lines.push(`  server RSS: ${mib(r.server.baselineRss)} before clients, peak ${mib(r.server.peakRssConvergence)} (convergence), peak ${mib(r.server.peakRssChanges)} (changes); NACKs ${r.server.nacks}, streams closed ${r.server.streamsClosed}`);
  lines.push(`  client process RSS: peak ${mib(r.client?.peakRss ?? 0)}; stream errors ${r.client?.errorCount ?? '?'}`);
  if (r.server.profile) lines.push(`  CPU profile of the change phase: ${r.server.profile}`);
  if (!r.ok) lines.push('  RESULT INCOMPLETE (see above)');
  return lines.join('\n');
}

/** A Markdown table per mode, then one summary row per mode. */
export function markdownReport(results) {
  const out = [];
  for (const r of results) {
    out.push(`**${r.mode}** — converged in ${ms(r.convergence.ms)} (${r.convergence.converged}/${r.params.clients}); largest response ${kib(r.client?.maxResponseBytes ?? 0)}`, '');
    out.push('| change | cluster | setSnapshot | p50 | p99 | max | responses | bytes per change | server CPU |');
    out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of r.changes) {
      out.push(`| ${c.k} | ${c.cluster} | ${ms(c.setSnapshotMs)} | ${ms(c.latency.p50)} | ${ms(c.latency.p99)} | ${ms(c.latency.max)} | ${c.responses} | ${kib(c.bytes)} | ${ms(c.serverCpuMs)} |`);
    }
    out.push('');
  }
  out.push('| mode | p50 (all changes) | p99 (all changes) | max | bytes per change | server RSS peak | client process RSS peak |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const bytes = r.changes.length ? r.changes.reduce((a, c) => a + c.bytes, 0) / r.changes.length : 0;
    out.push(`| ${r.mode} | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} | ${kib(bytes)} | ${mib(r.server.peakRss)} | ${mib(r.client?.peakRss ?? 0)} |`);
  }
  return out.join('\n');
}
