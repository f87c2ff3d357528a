// Reference points, not products: how fast Node.js forwards when neither node:http nor undici is on
// the path, so the benchmark can tell the runtime's own cost from its HTTP stack's.
//   node raw-node-proxy.mjs PORT U1,U2,U3 l4|l7
// `l4`: a TCP pass-through (one upstream connection per client connection, round robin per
// connection, bytes copied both ways; no HTTP at all). `l7`: the least an HTTP/1.1 forwarder does,
// on net sockets: reads a request head (GET/HEAD without a body only), rewrites its headers (drops
// Connection, adds x-forwarded-for and x-request-id), sends it over a kept-alive connection to the
// next upstream in turn, reads the response head and its Content-Length body, writes both back in
// one write. No chunked bodies, no pipelining, no timeouts, no error handling beyond closing: it
// is not safe to face clients and exists only to be measured. Prints `ready PORT`.
import { randomUUID } from 'node:crypto';
import net from 'node:net';

const port = Number(process.argv[2]);
const upstreams = process.argv[3].split(',').map(Number);
const mode = process.argv[4] ?? 'l7';
let turn = 0;

function passThrough(client) {
  const up = net.connect({ host: '127.0.0.1', port: upstreams[turn++ % upstreams.length], noDelay: true });
  client.setNoDelay(true);
  client.on('data', (d) => up.write(d));
  up.on('data', (d) => client.write(d));
  client.on('close', () => up.destroy());
  up.on('close', () => client.destroy());
  client.on('error', () => undefined);
  up.on('error', () => undefined);
}

const idle = upstreams.map(() => []);

function withUpstream(i, use) {
  const kept = idle[i].pop();
  if (kept && !kept.destroyed) return use(kept);
  const socket = net.connect({ host: '127.0.0.1', port: upstreams[i], noDelay: true }, () => use(socket));
  socket.on('error', () => socket.destroy());
}

/** The request head for the upstream: request line, headers but Connection, forwarding headers. */
function upstreamHead(head, client) {
  const lines = head.split('\r\n');
  let out = `${lines[0]}\r\n`;
  for (let k = 1; k < lines.length; k++) if (!/^connection\s*:/i.test(lines[k])) out += `${lines[k]}\r\n`;
  return `${out}x-forwarded-for: ${client.remoteAddress}\r\nx-request-id: ${randomUUID()}\r\n\r\n`;
}

/** Reads one Content-Length response from `up`, then hands the bytes to `done`. */
function readResponse(up, done) {
  let buf = Buffer.alloc(0);
  let headEnd = -1;
  let length = 0;
  const onData = (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (headEnd < 0) {
      const at = buf.indexOf('\r\n\r\n');
      if (at < 0) return;
      headEnd = at + 4;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(buf.toString('latin1', 0, at));
      length = m ? Number(m[1]) : 0;
    }
    if (buf.length < headEnd + length) return;
    up.removeListener('data', onData);
    done(buf.subarray(0, headEnd + length));
  };
  up.on('data', onData);
}

function http1(client) {
  client.setNoDelay(true);
  client.on('error', () => undefined);
  let buf = Buffer.alloc(0);
  client.on('data', (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const at = buf.indexOf('\r\n\r\n');
    if (at < 0) return;
    const head = upstreamHead(buf.toString('latin1', 0, at), client);
    buf = buf.subarray(at + 4);
    const i = turn++ % upstreams.length;
    withUpstream(i, (up) => {
      readResponse(up, (response) => {
        idle[i].push(up);
        client.write(response);
      });
      up.write(head);
    });
  });
}

net.createServer(mode === 'l4' ? passThrough : http1).listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
process.once('SIGTERM', () => process.exit(0));
