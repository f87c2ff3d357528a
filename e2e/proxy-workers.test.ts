/**
 * End to end: the native proxy with worker processes (`healthplane serve --config-dir <tmp>
 * --proxy-port P --proxy-workers 2`) in front of three real `healthplane demo-upstream` processes
 * on 127.0.0.1. The primary keeps the health engines; the two node:cluster workers serve port P.
 * Which worker served a request is read from the kernel: the proxy-side socket of the client's
 * connection (/proc/net/tcp) and the worker that holds it (/proc/<pid>/fd). Checked: traffic and
 * stats add up over the workers; outlier detection ejects on outcomes reported by both workers; an
 * active health check failure steers both workers; a SIGKILLed worker is replaced; SIGTERM (and a
 * crash of the primary) leaves no worker behind; a dead worker's counters stay in /stats and
 * /clusters; connections made just as a worker dies are answered. Real time, every wait bounded,
 * children stopped by PID.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CliProcess, freePort, request, type LogRecord } from './support/cli-process';
import { HC_CLUSTER, OD_CLUSTER, odHcFolder } from './support/od-hc-folder';
import { waitFor } from './support/xds-client';

jest.setTimeout(30_000);

const OD = OD_CLUSTER;
const HC = HC_CLUSTER;
const RESTART_LOG = 'proxy worker exited; starting a new one';

// ---- the process tree and the kernel's socket table, from /proc ----

/** State letter and parent pid of `pid` (undefined once it is gone); the name in parentheses may hold spaces. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  const text = tryFs(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (text === undefined) return undefined;
  const [state = '?', ppid = '0'] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state, ppid: Number(ppid) };
}

/** Living (not zombie) children of `ppid`, ascending. */
function childPids(ppid: number | undefined): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.ppid === ppid && stat.state !== 'Z') out.push(Number(entry));
  }
  return out.sort((a, b) => a - b);
}

const running = (pid: number): boolean => (procStat(pid)?.state ?? 'Z') !== 'Z';

/** Whether `pid` still runs a proxy worker (so that a recycled pid is never killed by mistake). */
const runningWorker = (pid: number): boolean => running(pid) && (tryFs(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.includes('worker-main.js') ?? false);

/** `read()`, or undefined when the file went away meanwhile (processes and descriptors come and go). */
function tryFs<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');

/** The process among `pids` holding the proxy's end of the connection from client port `clientPort`. */
function holderOf(proxyPort: number, clientPort: number, pids: readonly number[]): number | undefined {
  const row = fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === `0100007F:${hex(proxyPort)}` && f[2] === `0100007F:${hex(clientPort)}`);
  const link = row?.[9] !== undefined ? `socket:[${row[9]}]` : undefined;
  if (link === undefined) return undefined;
  for (const pid of pids) {
    if (tryFs(() => fs.readdirSync(`/proc/${pid}/fd`))?.some((fd) => tryFs(() => fs.readlinkSync(`/proc/${pid}/fd/${fd}`)) === link)) return pid;
  }
  return undefined;
}

interface Served {
  readonly status: number;
  readonly upstream: string;
  /** The worker that served it (read while the keep-alive connection is still open). */
  readonly pid: number | undefined;
}

/**
 * GET /get through the proxy, on its own kept-alive connection (closed after) or on `pinned`'s
 * (kept); finds the serving worker while the connection is open; rejects after `timeoutMs`.
 */
async function probe(proxyPort: number, host: string, workers: () => readonly number[], timeoutMs = 3000, pinned?: http.Agent): Promise<Served> {
  const agent = pinned ?? new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const got = await new Promise<{ status: number; upstream: string; clientPort: number | undefined }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxyPort, path: '/get', headers: { host }, agent, timeout: timeoutMs }, (res) => {
        const clientPort = res.socket.localPort;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, upstream: String(res.headers['x-demo-upstream'] ?? '-'), clientPort }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${host}/get: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
    const pid = got.clientPort === undefined ? undefined : holderOf(proxyPort, got.clientPort, workers());
    return { status: got.status, upstream: got.upstream, pid };
  } finally {
    if (!pinned) agent.destroy();
  }
}

const tally = <T>(items: readonly T[]): Map<T, number> => items.reduce((m, i) => m.set(i, (m.get(i) ?? 0) + 1), new Map<T, number>());

const workerPidOf = (r: LogRecord): number | undefined => {
  const m = /^healthplane\.proxy-worker-(\d+)$/.exec(String(r['component']));
  return m ? Number(m[1]) : undefined;
};

describe('the native proxy with --proxy-workers 2', () => {
  let dir: string;
  let ports: number[];
  const upstreams: CliProcess[] = [];
  /** Every `serve` process started, stopped in afterAll whatever happened. */
  const servers: CliProcess[] = [];
  let hp: CliProcess;
  let proxyPort = 0;
  let adminPort = 0;
  let outlierLog = '';
  /** Every worker pid seen, so that afterAll can make sure none is left. */
  const seenWorkers = new Set<number>();
  /** downstream_rq_total and the summed /clusters rq_total of `od`, before a worker is killed and once the primary saw it die. */
  const counters: { before?: number[]; afterKill?: number[] } = {};

  async function startServe(name: string, conf: string, port: number): Promise<{ process: CliProcess; adminPort: number }> {
    const args = ['serve', '--config-dir', conf, '--proxy-port', String(port), '--proxy-address', '127.0.0.1', '--proxy-workers', '2'];
    const p = await CliProcess.start(name, [...args, '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0', '--outlier-event-log', outlierLog], (r) => r['msg'] === 'healthplane ready');
    servers.push(p);
    for (const pid of childPids(p.pid)) seenWorkers.add(pid);
    const ready = p.records.find((r) => r['msg'] === 'healthplane ready') as LogRecord;
    expect(ready['proxyPort']).toBe(port);
    return { process: p, adminPort: ready['adminPort'] as number };
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-e2e-workers-'));
    outlierLog = path.join(dir, 'outlier-events.log');
    ports = [await freePort(), await freePort(), await freePort()];
    upstreams.push(...(await Promise.all(ports.map((port, i) => CliProcess.demoUpstream(`u${i + 1}`, port)))));
    const conf = path.join(dir, 'conf');
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(conf, 'resources.yaml'), odHcFolder(ports, { className: 'workers' }));
    proxyPort = await freePort();
    ({ process: hp, adminPort } = await startServe('healthplane', conf, proxyPort));
  });

  afterAll(async () => {
    await Promise.all([...servers, ...upstreams].map((p) => p.stop().catch(() => undefined)));
    // Only a broken build leaves a worker behind; then it is killed here, by its pid.
    for (const pid of seenWorkers) if (runningWorker(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const workers = (): number[] => childPids(hp.pid);
  const via = (host: string, timeoutMs?: number): Promise<Served> => probe(proxyPort, host, workers, timeoutMs);
  const admin = async (p: string): Promise<string> => (await request(adminPort, p)).body;

  /** One per-host field of `cluster` in the /clusters text, by upstream name (u1..u3). */
  async function hostField(cluster: string, field: string): Promise<Record<string, string>> {
    const text = await admin('/clusters');
    const out: Record<string, string> = {};
    ports.forEach((port, i) => {
      const m = new RegExp(`^${cluster}::127\\.0\\.0\\.1:${port}::${field}::(.*)$`, 'm').exec(text);
      out[`u${i + 1}`] = m?.[1] ?? 'missing';
    });
    return out;
  }

  const waitForFlags = (cluster: string, want: Record<string, string>, timeoutMs = 8000): Promise<Record<string, string>> =>
    waitFor(`${cluster} flags ${JSON.stringify(want)}`, async () => {
      const now = await hostField(cluster, 'health_flags');
      return Object.entries(want).every(([k, v]) => now[k] === v) ? now : undefined;
    }, timeoutMs, 100);

  /** Every `name: value` line of /stats whose name matches `re`. */
  async function statLines(re: RegExp): Promise<[string, number][]> {
    const text = await admin('/stats');
    return text
      .split('\n')
      .map((l) => /^([^:]+): (\d+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && re.test(m[1] as string))
      .map((m) => [m[1] as string, Number(m[2])]);
  }

  /** [downstream_rq_total, the sum of od's per-host rq_total] as admin reports them now. */
  async function requestCounters(): Promise<number[]> {
    const [line] = await statLines(/^http\..*\.downstream_rq_total$/);
    const hosts = Object.values(await hostField(OD, 'rq_total')).map(Number);
    return [line?.[1] ?? NaN, hosts.reduce((a, b) => a + b, 0)];
  }

  /** Waits until the primary has two workers again (not `dead`), each having logged `proxy listening`. */
  async function twoWorkersListening(from: number, dead: number): Promise<number[]> {
    const now = await waitFor('two workers listening', () => {
      const pids = workers().filter((pid) => pid !== dead);
      const listening = new Set(hp.records.slice(from).filter((r) => r['msg'] === 'proxy listening').map(workerPidOf));
      return pids.length === 2 && pids.every((pid) => listening.has(pid) || seenWorkers.has(pid)) ? pids : undefined;
    }, 5000);
    for (const pid of now) seenWorkers.add(pid);
    return now;
  }

  async function sequential(n: number, host: string): Promise<Served[]> {
    const out: Served[] = [];
    for (let i = 0; i < n; i++) out.push(await via(host));
    return out;
  }

  /**
   * One kept-alive connection held by each of the two workers. The kernel decides which worker
   * accepts a new connection (SCHED_NONE), so connections are opened until both hold one.
   */
  async function pinBoth(): Promise<http.Agent[]> {
    const pinned = new Map<number, http.Agent>();
    for (let i = 0; i < 40 && pinned.size < 2; i++) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const s = await probe(proxyPort, 'od.test', workers, 3000, agent);
      if (s.pid !== undefined && !pinned.has(s.pid)) pinned.set(s.pid, agent);
      else agent.destroy();
    }
    if (pinned.size < 2) throw new Error(`40 connections went to ${pinned.size} worker(s) only`);
    return [...pinned.values()];
  }

  /** `n` requests taking turns over `agents`' connections. */
  async function over(agents: readonly http.Agent[], n: number, host: string): Promise<Served[]> {
    const out: Served[] = [];
    for (let i = 0; i < n; i++) out.push(await probe(proxyPort, host, workers, 3000, agents[i % agents.length]));
    return out;
  }

  /** `n` requests taking turns over the two workers' connections. */
  async function alternating(n: number, host: string): Promise<Served[]> {
    const agents = await pinBoth();
    try {
      return await over(agents, n, host);
    } finally {
      for (const a of agents) a.destroy();
    }
  }

  it('forks two workers that both serve the proxy port; /stats and /clusters add up their traffic', async () => {
    const listening = hp.records.filter((r) => r['msg'] === 'proxy listening');
    expect(listening.map((r) => [r['address'], r['port']])).toEqual([['127.0.0.1', proxyPort], ['127.0.0.1', proxyPort]]);
    const logged = listening.map(workerPidOf).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(logged).toEqual(workers()); // the two listeners are the two children, not the primary
    expect(new Set(logged).size).toBe(2);
    await waitForFlags(HC, { u1: 'healthy', u2: 'healthy', u3: 'healthy' });

    const n = 30;
    const agents = await pinBoth();
    // Counted from here: the connections' first requests (to find their workers) came before.
    const rqBase = (await statLines(/^http\..*\.downstream_rq_total$/))[0]?.[1] ?? 0;
    const hostsBase = await hostField(OD, 'rq_total');
    const served = await over(agents, n, 'od.test').finally(() => agents.forEach((a) => a.destroy()));
    expect(served.filter((s) => s.status !== 200)).toEqual([]);
    const byUpstream = tally(served.map((s) => s.upstream));
    expect([...byUpstream.keys()].sort()).toEqual(['u1', 'u2', 'u3']);
    for (const count of byUpstream.values()) expect(count).toBeGreaterThanOrEqual(n / 6);
    const byWorker = tally(served.map((s) => s.pid));
    expect([...byWorker.keys()].sort()).toEqual(workers());
    for (const count of byWorker.values()) expect(count).toBe(n / 2);

    // Only the workers count downstream requests (the primary never listens): one line, their sum.
    expect(await statLines(/^http\..*\.downstream_rq_total$/)).toEqual([[`http.http_${proxyPort}.downstream_rq_total`, rqBase + n]]);
    const rqTotal = await hostField(OD, 'rq_total');
    const grew = (u: string): number => Number(rqTotal[u]) - Number(hostsBase[u]);
    expect({ u1: grew('u1'), u2: grew('u2'), u3: grew('u3') }).toEqual({ u1: byUpstream.get('u1'), u2: byUpstream.get('u2'), u3: byUpstream.get('u3') });
    expect(await hostField(HC, 'rq_total')).toEqual({ u1: '0', u2: '0', u3: '0' });
  });

  it('ejects a host after 3 consecutive 5xx reported by both workers; no worker sends it traffic until it returns', async () => {
    // Connections first: the requests that find their workers must not fail (they would count).
    const agents = await pinBoth();
    expect((await request(ports[0] as number, '/admin/fail?status=500', { method: 'POST' })).status).toBe(200);
    const failures: Served[] = [];
    try {
      // Each worker round-robins on its own, so taking turns spreads u1's three failures over both.
      for (let i = 0; i < 30 && failures.length < 3; i++) {
        const s = await probe(proxyPort, 'od.test', workers, 3000, agents[i % 2]);
        if (s.upstream === 'u1') failures.push(s);
        else expect(s.status).toBe(200);
      }
    } finally {
      for (const a of agents) a.destroy();
    }
    expect(failures.map((f) => f.status)).toEqual([500, 500, 500]);
    // No worker saw 3 failures by itself: the primary ejected on the merged outcomes.
    expect(new Set(failures.map((f) => f.pid)).size).toBe(2);
    // A worker's outcome batch travels before its answer to the status request of /clusters.
    expect(await hostField(OD, 'health_flags')).toEqual({ u1: '/failed_outlier_check', u2: 'healthy', u3: 'healthy' });
    const ejectedAt = Date.now();
    const rqBefore = (await hostField(OD, 'rq_total'))['u1'];
    const eject = await waitFor('the EJECT line', () => {
      const lines = fs.existsSync(outlierLog) ? fs.readFileSync(outlierLog, 'utf8').split('\n').filter((l) => l !== '') : [];
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e['action'] === 'EJECT');
    }, 3000);
    expect(eject).toMatchObject({ type: 'CONSECUTIVE_5XX', cluster_name: OD, upstream_url: `127.0.0.1:${ports[0]}`, num_ejections: 1, enforced: true });

    const whileEjected = await alternating(12, 'od.test');
    expect(whileEjected.filter((s) => s.status !== 200 || !['u2', 'u3'].includes(s.upstream))).toEqual([]);
    expect(new Set(whileEjected.map((s) => s.pid)).size).toBe(2);
    expect((await hostField(OD, 'rq_total'))['u1']).toBe(rqBefore);

    await request(ports[0] as number, '/admin/recover', { method: 'POST' });
    await waitForFlags(OD, { u1: 'healthy' }, 5000);
    const back = Date.now() - ejectedAt;
    expect(back).toBeGreaterThan(1200); // baseEjectionTime 2s, checked every 500 ms
    expect(back).toBeLessThan(4000);
    const after = await sequential(6, 'od.test');
    expect(after.filter((s) => s.status !== 200)).toEqual([]);
    expect(after.some((s) => s.upstream === 'u1')).toBe(true);
  });

  it('marks a killed upstream /failed_active_hc, and both workers keep answering from the others', async () => {
    await (upstreams[1] as CliProcess).kill();
    await waitForFlags(HC, { u1: 'healthy', u2: '/failed_active_hc', u3: 'healthy' });
    const served = await alternating(12, 'hc.test');
    expect(served.filter((s) => s.status !== 200 || !['u1', 'u3'].includes(s.upstream))).toEqual([]);
    expect(new Set(served.map((s) => s.pid)).size).toBe(2);
    const failures = await statLines(new RegExp(`^cluster\\.${HC}\\.health_check\\.failure$`));
    expect(failures[0]?.[1]).toBeGreaterThanOrEqual(2);
  });

  it('restarts a SIGKILLed worker; the survivor serves meanwhile, then the new worker serves too', async () => {
    const before = workers();
    expect(before).toHaveLength(2);
    const [victim, survivor] = before as [number, number];
    const from = hp.records.length;
    const newRecords = (): LogRecord[] => hp.records.slice(from);
    counters.before = await requestCounters();
    process.kill(victim, 'SIGKILL');
    const restart = await waitFor('the restart log line', () => newRecords().find((r) => r['msg'] === RESTART_LOG), 3000);
    expect(restart).toMatchObject({ level: 'error', pid: victim, signal: 'SIGKILL', restartInMs: 1000 });
    expect(running(victim)).toBe(false);
    counters.afterKill = await requestCounters();

    const meanwhile = await sequential(6, 'hc.test');
    expect(meanwhile.map((s) => [s.status, s.pid])).toEqual(Array(6).fill([200, survivor]));

    const listening = await waitFor('a new worker listening', () => newRecords().find((r) => r['msg'] === 'proxy listening'), 5000);
    const fresh = workerPidOf(listening) as number;
    seenWorkers.add(fresh);
    expect(listening['port']).toBe(proxyPort);
    expect([victim, survivor]).not.toContain(fresh);
    expect(workers()).toEqual([survivor, fresh].sort((a, b) => a - b));
    const after = await alternating(8, 'hc.test');
    expect(after.filter((s) => s.status !== 200 || !['u1', 'u3'].includes(s.upstream))).toEqual([]);
    expect(new Set(after.map((s) => s.pid))).toEqual(new Set([survivor, fresh]));
  });

  // Envoy's counters never go down (Prometheus would read a drop as a counter reset): the primary
  // keeps what a dead worker last reported (the /stats read just before the kill refreshed it).
  it('keeps the request counters of a worker that died (counters never go down)', () => {
    expect(counters.before).toHaveLength(2);
    const [rqBefore = 0, hostsBefore = 0] = counters.before ?? [];
    const [rqAfter = 0, hostsAfter = 0] = counters.afterKill ?? [];
    expect(rqAfter).toBeGreaterThanOrEqual(rqBefore);
    expect(hostsAfter).toBeGreaterThanOrEqual(hostsBefore);
  });

  // With node:cluster's round robin, a connection the primary accepted just as a worker died was
  // handed to the dead worker and never answered nor closed (13 of 16 scripted attempts). Workers
  // now accept from the shared socket themselves (SCHED_NONE); four attempts, each must pass.
  it('answers every connection made just after a worker crashes', async () => {
    for (let attempt = 1; attempt <= 4; attempt++) {
      const from = hp.records.length;
      const victim = workers()[0];
      if (victim === undefined) throw new Error('no worker to kill');
      process.kill(victim, 'SIGKILL');
      const answers = await Promise.allSettled([via('hc.test', 2000), via('hc.test', 2000)]);
      await twoWorkersListening(from, victim);
      const failed = answers.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason));
      expect({ attempt, failed }).toEqual({ attempt, failed: [] });
    }
  });

  it('SIGTERM to the primary stops the whole process tree', async () => {
    const pids = workers();
    expect(pids).toHaveLength(2);
    const started = Date.now();
    expect(await hp.stop('SIGTERM', 5000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000); // the workers stopped when asked; no 5 s kill timeout
    expect(pids.filter(running)).toEqual([]);
  });

  it('workers exit by themselves when the primary crashes (SIGKILL)', async () => {
    const second = await startServe('healthplane-2', path.join(dir, 'conf'), await freePort());
    const pids = childPids(second.process.pid);
    expect(pids).toHaveLength(2);
    await second.process.kill();
    await waitFor('the orphaned workers to exit', () => (pids.some(running) ? undefined : true), 3000);
  });
});
