/**
 * In-process proxy workers for tests: each "worker process" is a ProxyWorker in this process
 * behind a channel that copies every message through JSON (as IPC does) and delivers it on a
 * later event-loop turn. `crash()` stops one like a SIGKILL; `ignoring` makes one deaf to a
 * message type; `hello: false` never says hello; `answerStop: false` ignores stop.
 */
import { silentLogger } from '../../src/log';
import { FakeRandom, type FakeClock } from './fake-clock';
import { ProxyWorker } from '../../src/proxy/workers/proxy-worker';
import type { WorkerEvents, WorkerSpawner } from '../../src/proxy/workers/proxy-workers';
import type { FromWorker, ToWorker } from '../../src/proxy/workers/worker-messages';

/** IPC carries JSON: what a worker receives is a copy, never the primary's objects. */
const viaIpc = <T>(m: T): T => JSON.parse(JSON.stringify(m)) as T;

export interface FakeWorker {
  readonly pid: number;
  readonly received: ToWorker[];
  alive: boolean;
  /** Message types this worker receives but never acts on (a stuck worker). */
  ignoring?: ToWorker['type'];
  /** Dies like a SIGKILLed process: its sockets close, the primary sees the exit. */
  crash(): Promise<void>;
}

/** Runs each "worker process" as an in-process ProxyWorker behind a JSON-copying channel. */
export function inProcessSpawner(clock: FakeClock, options: { hello?: boolean; answerStop?: boolean } = {}): { spawn: WorkerSpawner; workers: FakeWorker[] } {
  const workers: FakeWorker[] = [];
  const spawn: WorkerSpawner = (events: WorkerEvents) => {
    const pid = 1000 + workers.length;
    let exitReason: [number | null, string | null] = [0, null];
    const fake: FakeWorker = {
      pid,
      received: [],
      alive: true,
      crash: async () => {
        exitReason = [null, 'SIGKILL'];
        fake.alive = false;
        await new Promise<void>((resolve) => {
          exitHook = resolve;
          worker.handle({ type: 'stop' });
        });
      },
    };
    let exitHook: (() => void) | undefined;
    const worker = new ProxyWorker({
      send: (m: FromWorker) => setImmediate(() => fake.alive && events.message(viaIpc(m))),
      exit: () => {
        fake.alive = false;
        exitHook?.();
        setImmediate(() => events.exit(...exitReason));
      },
      clock,
      random: new FakeRandom([0]),
      logger: () => silentLogger,
    });
    workers.push(fake);
    if (options.hello !== false) setImmediate(() => events.message({ type: 'hello' }));
    return {
      pid,
      send: (m: ToWorker) => {
        fake.received.push(m);
        if ((m.type === 'stop' && options.answerStop === false) || m.type === fake.ignoring) return;
        setImmediate(() => fake.alive && worker.handle(viaIpc(m)));
      },
      kill: () => {
        if (fake.alive) void fake.crash();
      },
    };
  };
  return { spawn, workers };
}

