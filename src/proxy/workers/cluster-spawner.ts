/**
 * The production WorkerSpawner: forks `worker-main.js` (next to this file in dist/) with
 * node:cluster, so every worker's listening sockets share the primary's ports. Workers accept
 * connections themselves from the shared socket (SCHED_NONE): with node:cluster's round robin the
 * primary hands each connection to a worker, and one handed to a worker that has just died is
 * never answered nor closed. Passes only healthplane's own messages on; never interprets them.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { isFromWorker } from './worker-messages';
import type { WorkerSpawner } from './proxy-workers';

/** The compiled worker entry point (this module is loaded from dist/ whenever workers are forked). */
export const WORKER_MAIN = path.join(__dirname, 'worker-main.js');

export function clusterSpawner(exec: string = WORKER_MAIN): WorkerSpawner {
  return (events) => {
    // Read by node:cluster at the first setupPrimary()/fork() of the process.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec, args: [], silent: false });
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (isFromWorker(message)) events.message(message);
    });
    worker.on('exit', (code: number | null, signal: string | null) => events.exit(code, signal));
    // An IPC error (the worker died mid-send) shows up as its exit; nothing else to do here.
    worker.on('error', () => undefined);
    return {
      pid: worker.process.pid,
      send: (message) => {
        if (worker.isConnected()) worker.send(message);
      },
      kill: () => {
        if (!worker.isDead()) worker.process.kill('SIGKILL');
      },
    };
  };
}
