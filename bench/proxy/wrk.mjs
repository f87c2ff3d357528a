// Runs wrk (bounded by -d and a hard timeout) with wrk-report.lua and parses its JSON summary;
// also reads a process tree's CPU time from /proc, to charge each proxy for the CPU it used.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, stopProcess } from './processes.mjs';
import { binary } from './tools.mjs';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wrk-report.lua');

export function wrkArgs({ threads, connections, durationS, url }) {
  return [`-t${threads}`, `-c${connections}`, `-d${durationS}s`, '--timeout', '5s', '-s', SCRIPT, url];
}

/** The command line as it should appear in docs (script path relative to the repo). */
export function wrkCommand(opts) {
  return ['wrk', ...wrkArgs(opts)].map((a) => (a === SCRIPT ? 'bench/proxy/wrk-report.lua' : a)).join(' ');
}

/** Runs wrk; resolves { rps, requests, durationS, errors, latencyMs: {p50, p90, p99, p999, max, mean} }. */
export async function runWrk(opts) {
  const proc = spawnTracked(binary('wrk'), wrkArgs(opts), { name: 'wrk' });
  const timer = setTimeout(() => stopProcess(proc, { signal: 'SIGKILL' }), (opts.durationS + 30) * 1000);
  const { code } = await proc.exited;
  clearTimeout(timer);
  const { stdout, stderr } = proc.output();
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${stderr}${stdout}`);
  const j = JSON.parse(line.slice('WRK_JSON '.length));
  const durationS = j.duration_us / 1e6;
  const errors = Object.values(j.errors).reduce((a, b) => a + b, 0);
  const us = j.latency_us;
  const ms = (v) => v / 1000;
  return {
    rps: j.requests / durationS,
    requests: j.requests,
    durationS,
    errors,
    errorDetail: j.errors,
    latencyMs: { mean: ms(us.mean), p50: ms(us.p50), p90: ms(us.p90), p99: ms(us.p99), p999: ms(us.p999), max: ms(us.max) },
  };
}

const TICKS = 100; // USER_HZ on Linux

function ownCpuTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[11]), Number(fields[12])];
  } catch {
    return [0, 0];
  }
}

function children(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/** { user, sys } CPU seconds of a process and its (live) descendants. */
export function treeCpu(pid) {
  const total = { user: 0, sys: 0 };
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    const [user, sys] = ownCpuTicks(p);
    total.user += user / TICKS;
    total.sys += sys / TICKS;
    stack.push(...children(p));
  }
  return total;
}

/** CPU used between two treeCpu() readings, in microseconds per request. */
export function cpuPerRequest(before, after, requests) {
  const us = (s) => (1e6 * s) / Math.max(1, requests);
  return { userUs: us(after.user - before.user), sysUs: us(after.sys - before.sys) };
}
