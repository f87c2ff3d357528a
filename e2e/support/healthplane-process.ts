/**
 * HealthplaneProcess: the real `node bin/healthplane.js serve` as a child process, driven black
 * box: resources go into the --xds-resources file (replaced atomically), bound ports come from its
 * JSON "ready" log line, client state from GET /xds/clients on its admin port. restart() stops it
 * (SIGTERM) and starts a new process on the same xDS port. Every wait is bounded; the child is
 * always killed by PID, and its recent output is attached to every error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { XdsClientsView } from '../../src/xds/server/client-registry';
import type { ControlPlane } from './control-plane';
import type { EchoResources } from './echo-resources';
import { waitFor } from './xds-client';

const REPO = path.resolve(__dirname, '../..');
const BIN = path.join(REPO, 'bin/healthplane.js');
const BUILT_MAIN = path.join(REPO, 'dist/main.js');

export interface BoundPorts {
  readonly xds: number;
  readonly admin: number;
}

/** Ports from the JSON log line `healthplane serve` writes once both servers listen ({xdsPort, adminPort, ...}). */
export function portsFromLogLine(line: string): BoundPorts | undefined {
  if (!line.startsWith('{')) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { xdsPort, adminPort } = (record ?? {}) as { xdsPort?: unknown; adminPort?: unknown };
  return typeof xdsPort === 'number' && typeof adminPort === 'number' ? { xds: xdsPort, admin: adminPort } : undefined;
}

/** Whether the built CLI exists (npm run build). */
export function cliIsBuilt(): boolean {
  return fs.existsSync(BUILT_MAIN);
}

export class HealthplaneProcess implements ControlPlane {
  readonly kind = 'process';
  private child: ChildProcess | undefined;
  private output: string[] = [];
  private ports: BoundPorts | undefined;
  private lastWritten = '';
  private readonly dir: string;
  private readonly file: string;

  private constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'healthplane-e2e-'));
    this.file = path.join(this.dir, 'xds-resources.json');
  }

  /** Writes the resources file and starts `healthplane serve` on free ports (xDS on 127.0.0.1). */
  static async start(resources: EchoResources): Promise<HealthplaneProcess> {
    if (!cliIsBuilt()) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` before the e2e tests`);
    const hp = new HealthplaneProcess();
    hp.writeFile(JSON.stringify(resources, null, 2));
    try {
      await hp.spawn(0);
    } catch (err) {
      await hp.stop();
      throw err;
    }
    return hp;
  }

  get xdsPort(): number {
    return this.bound().xds;
  }

  get adminPort(): number {
    return this.bound().admin;
  }

  /** Replaces the file and waits until /config_dump shows a change (no wait when the content is the same). */
  async publish(resources: EchoResources): Promise<void> {
    const text = JSON.stringify(resources, null, 2);
    if (text === this.lastWritten) return;
    const before = await this.getText('/config_dump');
    this.writeFile(text);
    await waitFor('the server to load the rewritten resources file', async () => ((await this.getText('/config_dump')) !== before ? true : undefined), 5000).catch((err: Error) => {
      throw this.withOutput(err);
    });
  }

  async clients(): Promise<XdsClientsView> {
    return JSON.parse(await this.getText('/xds/clients')) as XdsClientsView;
  }

  /** GET on the admin port; rejects on a non-2xx status. */
  async getText(urlPath: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}${urlPath}`, { signal: AbortSignal.timeout(2000) });
    const body = await res.text();
    if (!res.ok) throw new Error(`GET ${urlPath}: ${res.status} ${body.slice(0, 200)}`);
    return body;
  }

  async restart(): Promise<void> {
    const port = this.xdsPort;
    await this.terminate();
    await this.spawn(port);
  }

  async stop(): Promise<void> {
    await this.terminate();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The process's recent output (stderr and stdout lines), for failure messages. */
  recentOutput(lines = 30): string {
    return this.output.slice(-lines).join('\n');
  }

  private writeFile(text: string): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, this.file);
    this.lastWritten = text;
  }

  private bound(): BoundPorts {
    if (!this.ports) throw new Error('healthplane is not running');
    return this.ports;
  }

  private async spawn(xdsPort: number): Promise<void> {
    const args = [BIN, 'serve', '--xds-address', '127.0.0.1', '--xds-port', String(xdsPort), '--admin-port', '0', '--xds-resources', this.file];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEALTHPLANE_LOG_LEVEL: 'info' } });
    this.child = child;
    this.ports = undefined;
    // Should the test process die first, take the child with it.
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        this.output.push(line);
        if (this.output.length > 500) this.output.shift();
        this.ports ??= portsFromLogLine(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    let exited: string | undefined;
    child.on('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
    });
    await waitFor('healthplane to log its bound ports', () => {
      if (exited && !this.ports) throw new Error(`healthplane ${exited}`);
      return this.ports ? true : undefined;
    }, 15_000).catch((err: Error) => {
      throw this.withOutput(err);
    });
    const bound = this.bound();
    if (xdsPort !== 0 && bound.xds !== xdsPort) throw this.withOutput(new Error(`bound xDS port ${bound.xds}, asked for ${xdsPort}`));
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves when the child has exited. */
  private async terminate(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.ports = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), 5000);
    });
    child.kill('SIGTERM');
    const late = await Promise.race([exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      child.kill('SIGKILL');
      await exited;
      throw this.withOutput(new Error('healthplane did not exit within 5 s of SIGTERM'));
    }
  }

  private withOutput(err: Error): Error {
    return new Error(`${err.message}\n--- healthplane output (last lines) ---\n${this.recentOutput()}`);
  }
}
