/**
 * RawClient: a plain TCP client for tests of the proxy's own HTTP/1.1 server on 127.0.0.1. Writes
 * exact bytes, records every byte it receives (latin1) and whether the server ended or closed the
 * connection. Waits poll between event-loop turns (no timers, bounded) and fail with what arrived.
 */
import net from 'node:net';

/** Lets pending socket I/O happen: `n` event-loop turns, no timers. */
export async function turns(n = 200): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class RawClient {
  private readonly chunks: Buffer[] = [];
  /** The server sent FIN. */
  ended = false;
  /** The socket is fully closed. */
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => this.chunks.push(c));
    socket.on('end', () => (this.ended = true));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined); // `close` follows
  }

  /** Connects to 127.0.0.1:port; `allowHalfOpen` keeps our side writable after the server's FIN. */
  static connect(port: number, allowHalfOpen = false): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  /** Everything received so far. */
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Everything received so far, as latin1 text. */
  get text(): string {
    return this.bytes.toString('latin1');
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Resolves with the received text once `cond` holds; rejects (showing the text) after `max` turns. */
  async until(cond: (text: string) => boolean, what = 'condition', max = 100_000): Promise<string> {
    for (let i = 0; i < max; i++) {
      const text = this.text;
      if (cond(text)) return text;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    throw new Error(`${what} not reached; received ${JSON.stringify(this.text)} (ended=${this.ended}, closed=${this.closed})`);
  }

  /** Waits until at least `n` bytes arrived or the connection closed; resolves the text. */
  untilLength(n: number): Promise<string> {
    return this.until((t) => t.length >= n || this.closed, `${n} bytes`);
  }

  /** Waits for the connection to close. */
  async untilClosed(): Promise<void> {
    await this.until(() => this.closed, 'close');
  }

  /** Half-closes our side (FIN). */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
