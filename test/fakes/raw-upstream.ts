/**
 * RawUpstream: a scriptable upstream on a plain net server (127.0.0.1, port 0) for tests of the
 * proxy's own HTTP/1.1 client. Records every byte each connection receives (latin1, exact) and
 * lets the test answer with exact bytes; optionally answers each complete bodyless request head
 * by itself. Never parses HTTP beyond counting heads.
 */
import net from 'node:net';

export interface RawConnection {
  readonly socket: net.Socket;
  /** Every byte received so far (latin1). */
  data: string;
  /** The client's side is gone (`close` seen). */
  closed: boolean;
  /** Request heads answered so far by `answer`. */
  answered: number;
}

/** Called after each chunk a connection receives. */
export type RawScript = (conn: RawConnection) => void;

export class RawUpstream {
  readonly connections: RawConnection[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 with an ephemeral port; `script` runs after each received chunk. */
  static async start(script?: RawScript): Promise<RawUpstream> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const up = new RawUpstream(server, typeof address === 'object' && address ? address.port : 0);
    server.on('connection', (socket) => up.accept(socket, script));
    return up;
  }

  /** The i-th connection (throws when there is none yet). */
  conn(i: number): RawConnection {
    const c = this.connections[i];
    if (!c) throw new Error(`no upstream connection #${i}`);
    return c;
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket, script: RawScript | undefined): void {
    const conn: RawConnection = { socket, data: '', closed: false, answered: 0 };
    this.connections.push(conn);
    this.sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      conn.data += chunk.toString('latin1');
      script?.(conn);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conn.closed = true;
      this.sockets.delete(socket);
    });
  }
}

/** Number of complete request heads in `data` (for bodyless requests: number of requests). */
export function headCount(data: string): number {
  return data.split('\r\n\r\n').length - 1;
}

/** A script answering each complete bodyless request head with `response(n)` (n from 0 on this connection). */
export function answer(response: (n: number) => string): RawScript {
  return (conn) => {
    while (conn.answered < headCount(conn.data) && !conn.socket.destroyed) conn.socket.write(response(conn.answered++), 'latin1');
  };
}
