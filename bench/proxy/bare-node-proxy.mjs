// Reference points, not products: the smallest round-robin reverse proxies Node.js can run, so the
// benchmark can tell what the runtime costs apart from what healthplane adds.
//   node bare-node-proxy.mjs PORT U1,U2,U3 [http|undici|undici-npm]
// Server side is node:http in both. Client side `http`: node:http.request with a keep-alive Agent
// per upstream (what healthplane uses). `undici`: the undici Agent bundled inside Node.js (run
// with --expose-internals; Node 20 bundles undici 6.x); `undici-npm`: the same with the `undici`
// npm package healthplane uses (7.x). Headers pass through,
// bodies are streamed; no health checking, stats or timeouts. Prints `ready PORT`.
import http from 'node:http';
import { createRequire } from 'node:module';

const port = Number(process.argv[2]);
const upstreams = process.argv[3].split(',').map(Number);
const client = process.argv[4] ?? 'http';
let next = 0;

function nextIndex() {
  const i = next;
  next = (next + 1) % upstreams.length;
  return i;
}

function httpClientHandler() {
  const agents = upstreams.map(() => new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: 'lifo' }));
  return (req, res) => {
    const i = nextIndex();
    const up = http.request({ host: '127.0.0.1', port: upstreams[i], method: req.method, path: req.url, headers: req.headers, agent: agents[i] }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      ures.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(503, { 'content-length': 0 });
      res.end();
    });
    req.pipe(up);
  };
}

function undiciHandler(npm) {
  const Agent = npm ? createRequire(import.meta.url)('undici').Agent : createRequire(import.meta.url)('internal/deps/undici/undici').getGlobalDispatcher().constructor;
  const agent = new Agent({ connections: 1024, pipelining: 1, keepAliveTimeout: 60_000 });
  const origins = upstreams.map((p) => `http://127.0.0.1:${p}`);
  return (req, res) => {
    const headers = { ...req.headers };
    delete headers.connection;
    agent.dispatch({ origin: origins[nextIndex()], path: req.url, method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req }, {
      onConnect: () => undefined,
      onError: () => {
        if (!res.headersSent) res.writeHead(503, { 'content-length': 0 });
        res.end();
      },
      onHeaders: (status, raw) => {
        const flat = [];
        for (let k = 0; k < raw.length; k += 2) {
          const name = raw[k].toString('latin1');
          if (name.toLowerCase() !== 'connection' && name.toLowerCase() !== 'keep-alive') flat.push(name, raw[k + 1].toString('latin1'));
        }
        res.writeHead(status, flat);
        return true;
      },
      onData: (chunk) => {
        res.write(chunk);
        return true;
      },
      onComplete: () => res.end(),
    });
  };
}

const server = http.createServer(client === 'http' ? httpClientHandler() : undiciHandler(client === 'undici-npm'));
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
process.once('SIGTERM', () => process.exit(0));
