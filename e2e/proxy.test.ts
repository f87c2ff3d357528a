/**
 * End to end: the native proxy (`healthplane serve --config-dir <tmp> --proxy-port 0`) in front of
 * three real `healthplane demo-upstream` processes on 127.0.0.1. Two Gloo Upstreams over the same
 * three hosts: `od.test` has outlier detection only (consecutive5xx 3, baseEjectionTime 2s), so an
 * ejected host comes back by the ejection timer and not by a successful probe; `hc.test` has a TCP
 * health check every 500 ms (2 failures, 1 success) and panic threshold 0. One upstream flips to
 * 500s and is ejected, then returns; one is killed and turns /failed_active_hc, then recovers when
 * restarted; with every host down the client gets Envoy's 503. /clusters (text and JSON) and the
 * event logs are checked at each step. Real time, every wait bounded, children stopped by PID.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliProcess, freePort, request, type LogRecord, type Reply } from './support/cli-process';
import { HC_CLUSTER, OD_CLUSTER, odHcFolder } from './support/od-hc-folder';
import { waitFor } from './support/xds-client';

jest.setTimeout(40_000);

const OD = OD_CLUSTER;
const HC = HC_CLUSTER;

interface JsonHost {
  address: { socket_address: { port_value: number } };
  health_status: { failed_active_health_check?: boolean; failed_outlier_check?: boolean; eds_health_status: string };
}
interface JsonClusters {
  cluster_statuses: { name: string; host_statuses: JsonHost[] }[];
}

describe('the native proxy in front of real upstream processes', () => {
  let dir: string;
  let ports: number[];
  const upstreams: CliProcess[] = [];
  let hp: CliProcess;
  let proxyPort = 0;
  let adminPort = 0;
  let hcLog = '';
  let outlierLog = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hp-e2e-proxy-'));
    hcLog = path.join(dir, 'hc-events.log');
    outlierLog = path.join(dir, 'outlier-events.log');
    ports = [await freePort(), await freePort(), await freePort()];
    for (const [i, port] of ports.entries()) upstreams.push(await CliProcess.demoUpstream(`u${i + 1}`, port));
    const conf = path.join(dir, 'conf');
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(conf, 'resources.yaml'), odHcFolder(ports, { className: 'e2e', hcLog }));
    const args = ['serve', '--config-dir', conf, '--proxy-port', '0', '--proxy-address', '127.0.0.1', '--xds-address', '127.0.0.1', '--xds-port', '0', '--admin-port', '0', '--outlier-event-log', outlierLog];
    hp = await CliProcess.start('healthplane', args, (r) => r['msg'] === 'healthplane ready');
    const ready = hp.records.find((r) => r['msg'] === 'healthplane ready') as LogRecord;
    proxyPort = ready['proxyPort'] as number;
    adminPort = ready['adminPort'] as number;
  });

  afterAll(async () => {
    await Promise.all([hp?.stop(), ...upstreams.map((u) => u.stop())].map((p) => p?.catch(() => undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const via = (host: string, p = '/get'): Promise<Reply> => request(proxyPort, p, { host });
  const admin = async (p: string): Promise<string> => (await request(adminPort, p)).body;
  const upstreamOf = (r: Reply): string => String(r.headers['x-demo-upstream'] ?? '-');

  /** `health_flags` of every host of `cluster` in the /clusters text, by upstream name (u1..u3). */
  async function textFlags(cluster: string): Promise<Record<string, string>> {
    const text = await admin('/clusters');
    const out: Record<string, string> = {};
    ports.forEach((port, i) => {
      const m = new RegExp(`^${cluster}::127\\.0\\.0\\.1:${port}::health_flags::(.*)$`, 'm').exec(text);
      out[`u${i + 1}`] = m?.[1] ?? 'missing';
    });
    return out;
  }

  async function jsonHealth(cluster: string): Promise<Record<string, JsonHost['health_status']>> {
    const body = JSON.parse(await admin('/clusters?format=json')) as JsonClusters;
    const c = body.cluster_statuses.find((x) => x.name === cluster);
    const out: Record<string, JsonHost['health_status']> = {};
    for (const h of c?.host_statuses ?? []) out[`u${ports.indexOf(h.address.socket_address.port_value) + 1}`] = h.health_status;
    return out;
  }

  const waitForFlags = (cluster: string, want: Record<string, string>, timeoutMs = 8000): Promise<Record<string, string>> =>
    waitFor(`${cluster} flags ${JSON.stringify(want)}`, async () => {
      const now = await textFlags(cluster);
      return Object.entries(want).every(([k, v]) => now[k] === v) ? now : undefined;
    }, timeoutMs, 100);

  const logLines = (file: string): Record<string, unknown>[] =>
    fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) : [];

  it('starts with every host healthy and round-robins over the three upstreams', async () => {
    await waitForFlags(HC, { u1: 'healthy', u2: 'healthy', u3: 'healthy' });
    expect(await textFlags(OD)).toEqual({ u1: 'healthy', u2: 'healthy', u3: 'healthy' });
    for (const host of ['od.test', 'hc.test']) {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const r = await via(host);
        expect(r.status).toBe(200);
        seen.add(upstreamOf(r));
      }
      expect([...seen].sort()).toEqual(['u1', 'u2', 'u3']);
    }
  });

  it('ejects an upstream that flips to 500s after consecutive5xx, and takes it back after the ejection time', async () => {
    expect((await request(ports[0] as number, '/admin/fail?status=500', { method: 'POST' })).status).toBe(200);
    let failures = 0;
    for (let i = 0; i < 30 && failures < 3; i++) {
      const r = await via('od.test');
      if (upstreamOf(r) === 'u1') {
        expect(r.status).toBe(500);
        failures++;
      }
    }
    expect(failures).toBe(3);
    const ejectedSeenAt = Date.now();
    expect(await textFlags(OD)).toEqual({ u1: '/failed_outlier_check', u2: 'healthy', u3: 'healthy' });
    expect((await jsonHealth(OD))['u1']).toEqual({ failed_outlier_check: true, eds_health_status: 'HEALTHY' });
    // The event log is written through a file stream: wait for the line rather than race it.
    const eject = await waitFor('the EJECT line', () => logLines(outlierLog).find((e) => e['action'] === 'EJECT'), 3000);
    expect(eject).toMatchObject({ type: 'CONSECUTIVE_5XX', cluster_name: OD, upstream_url: `127.0.0.1:${ports[0]}`, action: 'EJECT', num_ejections: 1, enforced: true, eject_consecutive_event: {} });
    // While ejected, no request reaches u1: every answer is a 200 from u2 or u3.
    for (let i = 0; i < 6; i++) {
      const r = await via('od.test');
      expect([r.status, upstreamOf(r)]).toEqual([200, expect.stringMatching(/^u[23]$/)]);
    }
    await request(ports[0] as number, '/admin/recover', { method: 'POST' });
    await waitForFlags(OD, { u1: 'healthy' }, 6000);
    const back = Date.now() - ejectedSeenAt;
    expect(back).toBeGreaterThan(1200); // baseEjectionTime 2s, checked by the 500 ms sweep
    expect(back).toBeLessThan(4000);
    await waitFor('the UNEJECT line', () => (logLines(outlierLog).length >= 2 ? true : undefined), 3000);
    expect(logLines(outlierLog).map((e) => e['action'])).toEqual(['EJECT', 'UNEJECT']);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(upstreamOf(await via('od.test')));
    expect(seen.has('u1')).toBe(true);
  });

  it('marks a killed upstream /failed_active_hc, and healthy again once it is restarted', async () => {
    await (upstreams[1] as CliProcess).kill();
    await waitForFlags(HC, { u1: 'healthy', u2: '/failed_active_hc', u3: 'healthy' });
    expect((await jsonHealth(HC))['u2']).toEqual({ failed_active_health_check: true, eds_health_status: 'HEALTHY' });
    for (let i = 0; i < 6; i++) {
      const r = await via('hc.test');
      expect([r.status, upstreamOf(r)]).toEqual([200, expect.stringMatching(/^u[13]$/)]);
    }
    const ejected = await waitFor('the eject_unhealthy_event line', () => logLines(hcLog).find((e) => e['eject_unhealthy_event'] !== undefined), 3000);
    expect(ejected).toMatchObject({ health_checker_type: 'TCP', cluster_name: HC, host: { socket_address: { address: '127.0.0.1', port_value: ports[1] } } });

    upstreams[1] = await CliProcess.demoUpstream('u2', ports[1] as number);
    await waitForFlags(HC, { u2: 'healthy' });
    expect((await jsonHealth(HC))['u2']).toEqual({ eds_health_status: 'HEALTHY' });
    await waitFor('the add_healthy_event line', () =>
      logLines(hcLog).some((e) => e['add_healthy_event'] !== undefined && JSON.stringify(e['host']).includes(String(ports[1]))) ? true : undefined, 3000);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(upstreamOf(await via('hc.test')));
    expect(seen.has('u2')).toBe(true);
  });

  it("answers Envoy's 503 `no healthy upstream` once every host is down", async () => {
    await Promise.all(upstreams.map((u) => u.kill()));
    await waitForFlags(HC, { u1: '/failed_active_hc', u2: '/failed_active_hc', u3: '/failed_active_hc' });
    const all = await jsonHealth(HC);
    expect(Object.values(all).every((s) => s.failed_active_health_check === true)).toBe(true);
    const r = await via('hc.test');
    expect(r.status).toBe(503);
    expect(r.body).toBe('no healthy upstream');
    expect(r.headers['content-type']).toBe('text/plain');
    expect(await admin('/stats?filter=upstream_cx_none_healthy')).toMatch(new RegExp(`^cluster\\.${HC}\\.upstream_cx_none_healthy: [1-9]`, 'm'));
  });
});
