/**
 * writeBatch: hands a latin1 head and body frames to a socket as one batch: one plain write of a
 * single buffer when small (no writev bookkeeping), else a corked series. Returns what the last
 * write returned (false: wait for 'drain'). Never frames anything itself.
 */
import type net from 'node:net';
import { joined } from './wire';

export function writeBatch(socket: net.Socket, head: string | undefined, frames: readonly Buffer[]): boolean {
  if (frames.length === 0) return head === undefined ? true : socket.write(head, 'latin1');
  const one = frames.length === 1 && head === undefined ? frames[0] : joined(head, frames);
  if (one) return socket.write(one);
  socket.cork();
  if (head !== undefined) socket.write(head, 'latin1');
  let ok = true;
  for (const f of frames) ok = socket.write(f);
  socket.uncork();
  return ok;
}
