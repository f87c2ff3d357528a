// Starts the processes a proxy-benchmark run needs and hands back small handles: upstreams (demo
// upstream processes or one static nginx), and the proxies under test (healthplane's proxy
// process, HAProxy, nginx), each in the foreground with its config and pid file in a temp dir.
// Every handle has stop(); proxies also collect timestamped health events from their output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { haproxyConfig, nginxProxyConfig, nginxUpstreamConfig } from './peer-configs.mjs';
import { spawnTracked, stopProcess, waitForPort } from './processes.mjs';
import { binary } from './tools.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hp-bench-${prefix}-`));
}

/** One demo upstream process named `name` on `port`; proxied-request arrival times go to `arrivals`. */
export async function startDemoUpstream(port, name, arrivals = []) {
  let readyAt;
  let ready;
  const isReady = new Promise((resolve) => (ready = resolve));
  const onLine = (line) => {
    if (line.startsWith('R ')) for (const t of line.slice(2).split(',')) arrivals.push(Number(t));
    else if (line.startsWith('ready ')) {
      readyAt = Date.now();
      ready();
    }
  };
  const proc = spawnTracked(process.execPath, [path.join(HERE, 'upstream-process.mjs'), String(port), name], { name: `upstream ${name}`, onLine });
  const failed = proc.exited.then(() => Promise.reject(new Error(`upstream ${name} exited: ${proc.output().stderr.slice(-2000)}`)));
  const timeout = sleep(10_000, undefined, { ref: false }).then(() => Promise.reject(new Error(`upstream ${name} not ready after 10 s`)));
  await Promise.race([isReady, failed, timeout]);
  failed.catch(() => undefined);
  return { name, port, proc, arrivals, readyAt, stop: () => stopProcess(proc), kill: () => stopProcess(proc, { signal: 'SIGKILL' }) };
}

export async function startDemoUpstreams(ports) {
  return Promise.all(ports.map((p, i) => startDemoUpstream(p, `u${i + 1}`)));
}

/** One nginx process serving a static 200 on every port (the throughput upstreams). */
export async function startNginxUpstreams(ports) {
  const dir = tempDir('nginx-upstream');
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxUpstreamConfig({ dir, ports }));
  const proc = spawnTracked(binary('nginx'), ['-p', dir, '-e', 'stderr', '-c', conf], { name: 'nginx upstream' });
  for (const p of ports) await waitForPort(p, 10_000, proc);
  return { ports, proc, stop: () => stopProcess(proc).finally(() => fs.rmSync(dir, { recursive: true, force: true })) };
}

function withEvents(handle, parse) {
  handle.events = [];
  return (line) => {
    const event = parse(line);
    if (event) handle.events.push({ t: Date.now(), ...event });
  };
}

/**
 * healthplane's proxy process. `health`: active HC + outlier detection on (the benchmark's
 * settings, see proxy-process.mjs). `cpuProfDir`: run it under `node --cpu-prof`; `dist`: measure
 * another build (a patched copy of dist/).
 */
export async function startHealthplane({ port, upstreams, health = true, retry = false, maxRetries, workers = 1, cpuProfDir, dist }) {
  const settings = { port, upstreams, healthCheck: health, outlier: health, retry, maxRetries, workers, dist: dist && path.resolve(dist) };
  const execArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const variant = retry ? (maxRetries !== undefined ? `healthplane-retry${maxRetries}` : 'healthplane-retry') : 'healthplane';
  const handle = { name: `${variant}${workers > 1 ? `-${workers}w` : ''}`, port };
  let ready;
  const isReady = new Promise((resolve) => (ready = resolve));
  const onEvent = withEvents(handle, (line) => (line.startsWith('{"t":') ? { hosts: JSON.parse(line).hosts } : undefined));
  handle.proc = spawnTracked(process.execPath, [...execArgs, path.join(HERE, 'proxy-process.mjs'), JSON.stringify(settings)], {
    name: 'healthplane proxy',
    onLine: (line) => {
      if (line.startsWith('ready ')) ready();
      else if (line.startsWith('{"stats":')) handle.stats = JSON.parse(line).stats;
      else onEvent(line);
    },
  });
  await Promise.race([isReady, handle.proc.exited.then(() => Promise.reject(new Error(`healthplane proxy exited: ${handle.proc.output().stderr}`)))]);
  handle.stop = () => stopProcess(handle.proc, { graceMs: 5000 });
  return handle;
}

/** HAProxy in the foreground (-db); health transitions come from its log on stderr. */
export async function startHaproxy({ port, upstreams, retries, threads = 1 }) {
  const dir = tempDir('haproxy');
  const conf = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(conf, haproxyConfig({ dir, port, upstreams, retries, threads }));
  const handle = { name: `${retries ? 'haproxy' : 'haproxy-noretry'}${threads > 1 ? `-${threads}t` : ''}`, port, config: conf };
  const onErr = withEvents(handle, (line) => {
    const m = /Server upstreams\/u(\d+) is (UP|DOWN)(?:, reason: ([^,]+))?/.exec(line);
    return m ? { server: Number(m[1]) - 1, state: m[2], reason: m[3] } : undefined;
  });
  handle.proc = spawnTracked(binary('haproxy'), ['-db', '-f', conf], { name: 'haproxy', onErrLine: onErr, onLine: onErr });
  await waitForPort(port, 10_000, handle.proc);
  handle.stop = () => stopProcess(handle.proc).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
  return handle;
}

/** nginx OSS as the load balancer (passive checks only); "temporarily disabled" lines are events. */
export async function startNginxProxy({ port, upstreams, retries, workers = 1 }) {
  const dir = tempDir('nginx-proxy');
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxProxyConfig({ dir, port, upstreams, retries, workers }));
  const handle = { name: `${retries ? 'nginx' : 'nginx-noretry'}${workers > 1 ? `-${workers}w` : ''}`, port, config: conf };
  const onErr = withEvents(handle, (line) => {
    const m = /upstream server temporarily disabled.*upstream: "http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
    return m ? { server: upstreams.indexOf(Number(m[1])), state: 'DOWN', reason: 'max_fails' } : undefined;
  });
  handle.proc = spawnTracked(binary('nginx'), ['-p', dir, '-e', 'stderr', '-c', conf], { name: 'nginx proxy', onErrLine: onErr });
  await waitForPort(port, 10_000, handle.proc);
  handle.stop = () => stopProcess(handle.proc).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
  return handle;
}

/** A bare Node.js reference proxy (bare-node-proxy.mjs); client 'http' or 'undici'. */
export async function startBareNode({ port, upstreams, cpuProfDir, client = 'http' }) {
  const execArgs = [...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []), ...(client === 'undici' ? ['--expose-internals'] : [])];
  const args = [...execArgs, path.join(HERE, 'bare-node-proxy.mjs'), String(port), upstreams.join(','), client];
  const proc = spawnTracked(process.execPath, args, { name: `bare node proxy (${client})` });
  await waitForPort(port, 10_000, proc);
  const name = { http: 'node-bare', undici: 'node-bare-undici', 'undici-npm': 'node-bare-undici-npm' }[client];
  return { name, port, proc, events: [], stop: () => stopProcess(proc) };
}

/** A raw-socket Node.js reference forwarder (raw-node-proxy.mjs): 'l4' or 'l7'. */
export async function startRawNode({ port, upstreams, mode }) {
  const proc = spawnTracked(process.execPath, [path.join(HERE, 'raw-node-proxy.mjs'), String(port), upstreams.join(','), mode], { name: `raw node proxy (${mode})` });
  await waitForPort(port, 10_000, proc);
  return { name: `node-raw-${mode}`, port, proc, events: [], stop: () => stopProcess(proc) };
}

/**
 * Starts the named proxy in front of `upstreams`. `healthplane-retryN` is healthplane-retry with
 * the Upstream circuit breaker `maxRetries` N instead of Envoy's 3. A `-Nw` suffix runs healthplane with N proxy
 * workers (`--proxy-workers N`) or nginx with N worker processes; `-Nt` runs HAProxy with
 * `nbthread N` (e.g. healthplane-2w, haproxy-2t, nginx-noretry-2w).
 */
export function startProxy(kind, opts) {
  const m = /^(.*?)(?:-(\d+)([wt]))?$/.exec(kind);
  const base = m[1];
  const n = m[2] === undefined ? 1 : Number(m[2]);
  const unit = m[3];
  const wants = (u) => unit === undefined || unit === u;
  const retryBudget = /^healthplane-retry(\d+)$/.exec(base);
  if (retryBudget && wants('w')) return startHealthplane({ ...opts, retry: true, maxRetries: Number(retryBudget[1]), workers: n });
  if ((base === 'healthplane' || base === 'healthplane-retry') && wants('w')) return startHealthplane({ ...opts, retry: base === 'healthplane-retry', workers: n });
  if ((base === 'haproxy' || base === 'haproxy-noretry') && wants('t')) return startHaproxy({ ...opts, retries: base === 'haproxy', threads: n });
  if ((base === 'nginx' || base === 'nginx-noretry') && wants('w')) return startNginxProxy({ ...opts, retries: base === 'nginx', workers: n });
  if (n === 1 && base === 'node-bare') return startBareNode(opts);
  if (n === 1 && base === 'node-bare-undici') return startBareNode({ ...opts, client: 'undici' });
  if (n === 1 && base === 'node-bare-undici-npm') return startBareNode({ ...opts, client: 'undici-npm' });
  if (n === 1 && (base === 'node-raw-l4' || base === 'node-raw-l7')) return startRawNode({ ...opts, mode: base.slice('node-raw-'.length) });
  throw new Error(`unknown proxy ${kind}`);
}
