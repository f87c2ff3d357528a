// Inclusive time per function of a V8 .cpuprofile (a function's own samples plus those of what it
// called), as a share of the non-idle samples; complements bench/lib/profile-summary.mjs (self
// time). Usage: node bench/proxy/profile-breakdown.mjs FILE.cpuprofile [REGEX] [--top N]
// e.g. REGEX 'dist/' lists healthplane's own functions with everything under them.
import fs from 'node:fs';
import path from 'node:path';

function label(callFrame) {
  const { url, functionName, lineNumber } = callFrame;
  const d = url.indexOf('/dist/');
  const file = d >= 0 ? url.slice(d + 1) : url.startsWith('node:') ? url : url ? path.basename(url) : '(native)';
  return `${functionName || '(anonymous)'}  ${file}:${lineNumber + 1}`;
}

/** { busyMs, idleMs, gcMs, inclusive: [[label, ms], ...] sorted by ms } */
export function inclusiveTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const inclusive = new Map();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, us] of self) {
    total += us;
    const name = byId.get(id).callFrame.functionName;
    if (name === '(idle)') idle += us;
    if (name === '(garbage collector)') gc += us;
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const key = label(byId.get(n).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  return { busyMs: (total - idle) / 1000, idleMs: idle / 1000, gcMs: gc / 1000, inclusive: [...inclusive].map(([k, us]) => [k, us / 1000]).sort((a, b) => b[1] - a[1]) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [file, pattern] = process.argv.slice(2).filter((a, i, all) => a !== '--top' && all[i - 1] !== '--top');
  const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 40;
  const r = inclusiveTimes(JSON.parse(fs.readFileSync(file, 'utf8')));
  const filter = pattern ? new RegExp(pattern) : /./;
  process.stdout.write(`busy ${r.busyMs.toFixed(0)} ms (idle ${r.idleMs.toFixed(0)} ms, gc ${r.gcMs.toFixed(0)} ms)\n`);
  for (const [k, ms] of r.inclusive.filter(([k]) => filter.test(k)).slice(0, top)) {
    process.stdout.write(`${ms.toFixed(1).padStart(9)} ms  ${((100 * ms) / r.busyMs).toFixed(1).padStart(5)}%  ${k}\n`);
  }
}
