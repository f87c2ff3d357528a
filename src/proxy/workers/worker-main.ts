/**
 * The entry point of a proxy worker process (forked by ProxyWorkers through node:cluster): wires a
 * ProxyWorker to the IPC channel, the system clock and a stderr logger. Exits when the primary
 * says stop or goes away (the channel closes), so no worker outlives its primary.
 */
import { systemClock, systemRandom } from '../../clock';
import { createLogger } from '../../log';
import { ProxyWorker } from './proxy-worker';
import { isToWorker } from './worker-messages';

function main(): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('worker-main runs only as a proxy worker forked by healthplane (no IPC channel)');
  const worker = new ProxyWorker({
    send: (message) => {
      if (process.connected) send(message);
    },
    exit: () => process.exit(0),
    clock: systemClock,
    random: systemRandom,
    logger: (settings) =>
      createLogger({ level: settings.logLevel, traces: settings.traces, write: (line) => process.stderr.write(line) }, 'healthplane').child(`proxy-worker-${process.pid}`),
  });
  process.on('message', (message: unknown) => {
    if (isToWorker(message)) worker.handle(message);
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'hello' });
}

main();
