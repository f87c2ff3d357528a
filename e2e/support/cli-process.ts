/**
 * CliProcess: any `node bin/healthplane.js <command>` as a child process, driven black box. Keeps
 * its output lines (JSON log records parsed), waits for a record with a bound deadline, and stops
 * it by PID (SIGTERM, then SIGKILL after a bound). Also `freePort()` for tests that must name a
 * port in their resources before the process that binds it starts. Every child is killed should
 * the test process exit first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import nodeHttp from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { waitFor } from './xds-client';

export const REPO = path.resolve(__dirname, '../..');
const BIN = path.join(REPO, 'bin/healthplane.js');
const BUILT_MAIN = path.join(REPO, 'dist/main.js');

export type LogRecord = Readonly<Record<string, unknown>>;

/** A port the OS just handed out and released (another process could take it; unlikely in a test). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class CliProcess {
  readonly lines: string[] = [];
  readonly records: LogRecord[] = [];
  private exitInfo: string | undefined;
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exitInfo = `exited with ${signal ?? code}`;
      resolve(code);
    }));
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.take(line);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  }

  /** Spawns `healthplane <args>`; resolves once a log record matching `ready` appears. */
  static async start(name: string, args: readonly string[], ready: (r: LogRecord) => boolean, timeoutMs = 15_000): Promise<CliProcess> {
    if (!fs.existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` before the e2e tests`);
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEALTHPLANE_LOG_LEVEL: 'info' } });
    const p = new CliProcess(name, child);
    try {
      await p.waitForRecord(`${name} to be ready`, ready, timeoutMs);
    } catch (err) {
      await p.stop().catch(() => undefined);
      throw err;
    }
    return p;
  }

  /** Starts `healthplane demo-upstream --port <port> --name <name>`. */
  static demoUpstream(name: string, port: number): Promise<CliProcess> {
    return CliProcess.start(name, ['demo-upstream', '--port', String(port), '--name', name], (r) => r['msg'] === 'demo upstream listening');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first record matching `match`, waiting at most `timeoutMs`. */
  waitForRecord(what: string, match: (r: LogRecord) => boolean, timeoutMs = 10_000): Promise<LogRecord> {
    return waitFor(what, () => {
      const found = this.records.find(match);
      if (found) return found;
      if (this.exitInfo !== undefined) throw new Error(`${this.name} ${this.exitInfo}`);
      return undefined;
    }, timeoutMs).catch((err: Error) => {
      throw this.withOutput(err);
    });
  }

  /** SIGKILL now (a crash); resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** `signal` (default SIGTERM), SIGKILL after `graceMs`; resolves the exit code (null when killed). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | null> {
    if (!this.running) return this.exited;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    this.child.kill(signal);
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first !== 'late') return first;
    this.child.kill('SIGKILL');
    await this.exited;
    throw this.withOutput(new Error(`${this.name} did not exit within ${graceMs} ms of ${signal}`));
  }

  withOutput(err: Error): Error {
    return new Error(`${err.message}\n--- ${this.name} output (last lines) ---\n${this.lines.slice(-30).join('\n')}`);
  }

  private take(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 2000) this.lines.shift();
    if (!line.startsWith('{')) return;
    try {
      const record = JSON.parse(line) as unknown;
      if (record !== null && typeof record === 'object') this.records.push(record as LogRecord);
    } catch {
      // not a log record
    }
  }
}

export interface Reply {
  readonly status: number;
  readonly headers: nodeHttp.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP/1.1 request to 127.0.0.1:port (any Host header), 3 s bound; rejects only on a failed connection. */
export function request(port: number, path: string, options: { host?: string; method?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = options.host !== undefined ? { host: options.host } : {};
    const req = nodeHttp.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers, agent: false, timeout: 3000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${path}: no answer within 3 s`)));
    req.on('error', reject);
    req.end();
  });
}
