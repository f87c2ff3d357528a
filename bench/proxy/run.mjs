#!/usr/bin/env node
// proxy: healthplane's native proxy against direct-to-upstream, HAProxy and nginx. Entry point:
//   node bench/proxy/run.mjs [--only throughput|failover] [options]
// Throughput/latency with wrk; failover with an open-loop load generator while one of three
// upstreams fails or dies. Installs wrk, HAProxy and nginx from Debian when missing; runs every
// process itself (foreground, own config and pid files) and stops each by its pid. Bounded.
// See docs/benchmarks.md ("proxy") for the set-up and the recorded results.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { runFailover } from './failover.mjs';
import { installCleanup, stopAll } from './processes.mjs';
import { failoverMarkdown, goalsMarkdown, machineMarkdown, profileMarkdown, throughputMarkdown } from './report.mjs';
import { runThroughput } from './throughput.mjs';
import { ensureTools, machineFacts } from './tools.mjs';

const OPTIONS = {
  only: { type: 'string' },
  duration: { type: 'string', default: '10' },
  threads: { type: 'string', default: '2' },
  connections: { type: 'string', default: '50' },
  warmup: { type: 'string', default: '2' },
  runs: { type: 'string', default: '3' },
  upstream: { type: 'string', default: 'auto' },
  targets: { type: 'string', default: 'direct,healthplane,healthplane-2w,node-bare,node-bare-undici,haproxy,haproxy-2t,nginx' },
  proxies: { type: 'string', default: 'healthplane,healthplane-retry,haproxy,haproxy-noretry,nginx,nginx-noretry' },
  faults: { type: 'string', default: 'fail500,kill' },
  rate: { type: 'string', default: '500' },
  'fault-at-s': { type: 'string', default: '5' },
  'fault-s': { type: 'string', default: '10' },
  'after-s': { type: 'string', default: '10' },
  repeats: { type: 'string', default: '1' },
  'load-warmup-s': { type: 'string', default: '3' },
  profile: { type: 'string' },
  json: { type: 'string' },
  markdown: { type: 'boolean', default: false },
  'no-install': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

const USAGE = `usage: node bench/proxy/run.mjs [options]
  --only throughput|failover   run one part (default: both)
 throughput (wrk):
  --duration S       seconds per measured wrk run (default 10)
  --threads T        wrk threads (default 2)
  --connections C    wrk connections (default 50)
  --warmup S         unmeasured wrk run before each measured one (default 2)
  --runs N           measured runs per target, interleaved (default 3)
  --upstream auto|nginx|demo   auto: measure both, use the faster (default)
  --targets LIST     default direct,healthplane,healthplane-2w,node-bare,node-bare-undici,haproxy,haproxy-2t,nginx
                     (-Nw: healthplane with --proxy-workers N, nginx with N worker processes;
                     -Nt: HAProxy with nbthread N)
                     (node-bare*: minimal Node.js proxies for reference, bare-node-proxy.mjs;
                     also node-bare-undici-npm: with the undici npm package healthplane uses;
                     node-raw-l4 / node-raw-l7: Node.js forwarders on net sockets without
                     node:http or undici, raw-node-proxy.mjs)
  --profile DIR      also profile healthplane and node-bare (node --cpu-prof) into DIR
 failover (open-loop load, one of 3 upstreams fails):
  --proxies LIST     default healthplane,healthplane-retry,haproxy,haproxy-noretry,nginx,nginx-noretry
                     (healthplane-retry: retry_on connect-failure,5xx, num_retries 1, as --retry-on;
                     healthplane-retryN: the same with circuitBreakers.maxRetries N, not Envoy's 3)
  --faults LIST      fail500,kill (default both)
  --rate R           requests per second (default 500)
  --fault-at-s S     fault after S seconds of load (default 5)
  --fault-s S        fault lasts S seconds (default 10)
  --after-s S        load after the recovery (default 10)
  --repeats N        runs per proxy and fault (default 1)
  --load-warmup-s S  load sent before the measured window, not recorded (default 3)
 output:
  --json FILE        write every result as JSON
  --markdown         print the Markdown for docs/benchmarks.md
  --no-install       never apt-get install wrk/haproxy/nginx`;

function num(values, name, min) {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, got ${values[name]}`);
  return n;
}

/** `allowed` names, each also with a `-Nw` / `-Nt` suffix where servers.mjs takes one. */
function list(value, allowed, name) {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const scalable = (i) => /^(healthplane(-retry\d*)?|nginx(-noretry)?)-\d+w$/.test(i) || /^haproxy(-noretry)?-\d+t$/.test(i) || /^healthplane-retry\d+$/.test(i);
  const bad = items.filter((i) => !allowed.includes(i) && !scalable(i));
  if (bad.length > 0) throw new Error(`--${name}: unknown ${bad.join(', ')} (allowed: ${allowed.join(', ')})`);
  return items;
}

function parse(argv) {
  const { values: v } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  if (v.only !== undefined && !['throughput', 'failover'].includes(v.only)) throw new Error(`--only must be throughput or failover, got ${v.only}`);
  if (!['auto', 'nginx', 'demo'].includes(v.upstream)) throw new Error(`--upstream must be auto, nginx or demo, got ${v.upstream}`);
  return {
    help: v.help,
    throughput: v.only !== 'failover',
    failover: v.only !== 'throughput',
    install: !v['no-install'],
    json: v.json,
    markdown: v.markdown,
    tp: {
      wrk: { threads: num(v, 'threads', 1), connections: num(v, 'connections', 1), durationS: num(v, 'duration', 1) },
      warmupS: num(v, 'warmup', 0),
      runs: num(v, 'runs', 1),
      upstream: v.upstream,
      targets: list(v.targets, ['direct', 'healthplane', 'node-bare', 'node-bare-undici', 'node-bare-undici-npm', 'node-raw-l4', 'node-raw-l7', 'haproxy', 'nginx'], 'targets'),
      profileDir: v.profile,
    },
    fo: {
      proxies: list(v.proxies, ['healthplane', 'healthplane-retry', 'haproxy', 'haproxy-noretry', 'nginx', 'nginx-noretry'], 'proxies'),
      faults: list(v.faults, ['fail500', 'kill'], 'faults'),
      rate: num(v, 'rate', 1),
      faultAtMs: num(v, 'fault-at-s', 1) * 1000,
      faultMs: num(v, 'fault-s', 1) * 1000,
      afterMs: num(v, 'after-s', 1) * 1000,
      repeats: num(v, 'repeats', 1),
      warmupMs: num(v, 'load-warmup-s', 0) * 1000,
      settleMs: 1500,
      requestTimeoutMs: 5000,
    },
  };
}

/** Upper bound of the whole run; past it the bench stops everything and exits 3. */
function deadlineMs(o) {
  const tp = o.throughput ? (o.tp.targets.length * o.tp.runs + 4) * (o.tp.wrk.durationS + o.tp.warmupS + 45) * 1000 : 0;
  const perRun = o.fo.warmupMs + o.fo.faultAtMs + o.fo.faultMs + o.fo.afterMs + 45_000;
  const fo = o.failover ? o.fo.proxies.length * o.fo.faults.length * o.fo.repeats * perRun : 0;
  return tp + fo + 120_000;
}

async function main(argv) {
  const o = parse(argv);
  if (o.help) return void process.stdout.write(`${USAGE}\n`);
  installCleanup();
  const watchdog = setTimeout(() => {
    process.stderr.write(`proxy bench: exceeded ${deadlineMs(o)} ms; stopping\n`);
    stopAll().finally(() => process.exit(3));
  }, deadlineMs(o));
  watchdog.unref();
  const tools = [...(o.throughput ? ['wrk'] : []), 'haproxy', 'nginx'];
  if (o.install) ensureTools(tools);
  const machine = machineFacts();
  const results = { at: machine.date, argv, machine };
  if (o.throughput) results.throughput = await runThroughput(o.tp);
  if (o.failover) results.failover = await runFailover(o.fo);
  await stopAll();
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(results, null, 2));
  const md = [machineMarkdown(machine)];
  if (results.throughput) md.push(throughputMarkdown(results.throughput));
  if (results.failover) md.push(failoverMarkdown(results.failover));
  md.push(goalsMarkdown(results.throughput, results.failover));
  if (results.throughput?.profiles) md.push(profileMarkdown(results.throughput.profiles));
  if (o.markdown) process.stdout.write(`\n${md.join('\n\n')}\n`);
  else process.stdout.write(`\n${goalsMarkdown(results.throughput, results.failover)}\n`);
}

main(process.argv.slice(2)).catch(async (err) => {
  process.stderr.write(`proxy bench: ${err?.stack ?? err}\n`);
  await stopAll();
  process.exitCode = 2;
});
