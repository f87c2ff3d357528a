/**
 * The healthplane command: argv and the environment -> parseOptions() -> the command. `serve` and
 * `quickstart` run the App, `demo-upstream` one demo server, until SIGINT/SIGTERM, then stop
 * gracefully (a second signal stops at once); `translate`, `validate` and `bootstrap` (src/cli/)
 * print and exit. Receives argv (no node or script path); returns the
 * exit code (0 ok, 1 failure, 2 bad options) and writes errors to stderr with their code. With
 * app.ts, the only place that reads process.env.
 */
import fs from 'node:fs';
import path from 'node:path';
import { App } from './app';
import { systemClock, systemRandom } from './clock';
import { startDemoUpstream } from './demo/demo-upstream';
import { runBootstrap } from './cli/bootstrap-command';
import { runTranslate } from './cli/translate-command';
import { runValidate } from './cli/validate-command';
import { HpError } from './errors';
import { createLogger, type Logger } from './log';
import { helpText, parseOptions, type DemoUpstreamCommandOptions, type Env, type ServeOptions } from './options';
import { toXdsResources } from './xds/translate';

/** The process around main: output streams, environment and signals (tests pass their own). */
export interface MainIo {
  readonly env: Env;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Calls `handler` on SIGINT/SIGTERM until the returned function is called. */
  onSignal(handler: (signal: string) => void): () => void;
  /** Called once the servers are up (tests use it to reach them). */
  onReady?(app: App, ports: { readonly xdsPort: number; readonly adminPort: number; readonly proxyPorts?: readonly number[] }): void;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const processIo: MainIo = {
  env: process.env,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  onSignal(handler) {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    for (const s of signals) process.on(s, handler);
    return () => {
      for (const s of signals) process.off(s, handler);
    };
  },
};

export function main(argv: string[]): Promise<number> {
  return run(argv, processIo);
}

export async function run(argv: readonly string[], io: MainIo): Promise<number> {
  let options;
  try {
    options = parseOptions(argv, io.env);
  } catch (err) {
    io.stderr(`${describe(err)}\n`);
    return err instanceof HpError && err.code === 'HP_CONFIG_INVALID' ? EXIT_USAGE : EXIT_FAILURE;
  }
  switch (options.command) {
    case 'help':
      io.stdout(helpText(options.topic));
      return EXIT_OK;
    case 'version':
      io.stdout(`healthplane ${version()}\n`);
      return EXIT_OK;
    case 'serve':
    case 'quickstart':
      return serve(options, io);
    case 'demo-upstream':
      return demoUpstream(options, io);
    case 'translate':
      return runTranslate(options, io, { toXds: toXdsResources });
    case 'validate':
      return runValidate(options, io, { toXds: toXdsResources });
    case 'bootstrap':
      return runBootstrap(options, io);
  }
}

async function serve(options: ServeOptions, io: MainIo): Promise<number> {
  const logger = createLogger({ level: options.logLevel, traces: options.traces, write: io.stderr });
  const app = new App(options, { logger });
  return untilSignal(io, logger, {
    start: async () => {
      const ports = await app.start();
      io.onReady?.(app, ports);
    },
    stop: (graceMs) => app.stop(graceMs),
  });
}

async function demoUpstream(options: DemoUpstreamCommandOptions, io: MainIo): Promise<number> {
  const logger = createLogger({ level: options.logLevel, traces: [], write: io.stderr });
  let server: Awaited<ReturnType<typeof startDemoUpstream>> | undefined;
  return untilSignal(io, logger, {
    start: async () => {
      server = await startDemoUpstream({ port: options.port, host: options.host, name: options.name, clock: systemClock, random: systemRandom });
      logger.info('demo upstream listening', { host: options.host, port: server.port, name: server.name });
    },
    stop: async () => {
      await server?.close();
      logger.info('demo upstream stopped', { port: server?.port });
    },
  });
}

interface Lifecycle {
  start(): Promise<void>;
  /** graceMs 0: stop now (second signal, or a failed start). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts, waits for SIGINT/SIGTERM, stops gracefully; a second signal stops at once (exit 1). A
 * signal during start (e.g. a slow first Kubernetes sync) stops at once too, with exit 0.
 */
async function untilSignal(io: MainIo, logger: Logger, life: Lifecycle): Promise<number> {
  const first = deferred<string>();
  const second = deferred<string>();
  let signals = 0;
  const unlisten = io.onSignal((signal) => (++signals === 1 ? first.resolve(signal) : second.resolve(signal)));
  try {
    const started = life.start().then(() => undefined);
    const early = await Promise.race([started, first.promise]);
    if (early !== undefined) {
      logger.info('stopping before start completed', { signal: early });
      await life.stop(0);
      await started.catch(() => undefined);
      return EXIT_OK;
    }
    logger.info('stopping', { signal: await first.promise });
    const forced = second.promise.then((signal) => {
      logger.warn('second signal: closing everything now', { signal });
      return life.stop(0).then(() => EXIT_FAILURE);
    });
    return await Promise.race([life.stop().then(() => EXIT_OK), forced]);
  } catch (err) {
    io.stderr(`${describe(err)}\n`);
    await life.stop(0).catch(() => undefined);
    return EXIT_FAILURE;
  } finally {
    unlisten();
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** `healthplane: CODE: message` (no stack for coded errors; the stack for unexpected ones). */
function describe(err: unknown): string {
  if (err instanceof HpError) return `healthplane: ${err.code}: ${err.message}`;
  if (err instanceof Error) return `healthplane: ${err.stack ?? err.message}`;
  return `healthplane: ${String(err)}`;
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
