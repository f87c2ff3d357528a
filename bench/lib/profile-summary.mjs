// Summarises a V8 .cpuprofile: self time per function (name, file:line) and inclusive time per
// file, largest first. Usage: node bench/lib/profile-summary.mjs FILE.cpuprofile [--top 30]
import fs from 'node:fs';
import path from 'node:path';

export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const dt = profile.timeDeltas ?? [];
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (dt[i] ?? 0)));
  const fnSelf = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'}  ${shortUrl(f.url)}:${f.lineNumber + 1}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
    total += us;
  }
  return { totalMs: total / 1000, functions: [...fnSelf].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, us / 1000]) };
}

function shortUrl(url) {
  if (!url) return '(native)';
  const i = url.indexOf('/node_modules/');
  if (i >= 0) return url.slice(i + 1);
  const d = url.indexOf('/dist/');
  if (d >= 0) return url.slice(d + 1);
  return url.startsWith('node:') ? url : path.basename(url);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const file = process.argv[2];
  const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 30;
  const s = summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')));
  process.stdout.write(`total sampled: ${s.totalMs.toFixed(0)} ms\n`);
  for (const [k, v] of s.functions.slice(0, top)) process.stdout.write(`${v.toFixed(1).padStart(9)} ms  ${((100 * v) / s.totalMs).toFixed(1).padStart(5)}%  ${k}\n`);
}
