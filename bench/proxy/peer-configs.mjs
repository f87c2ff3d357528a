// Configuration files for the peers the proxy benchmark runs in the foreground, each under its own
// temp dir with its own pid file: HAProxy and nginx as load balancers configured like healthplane
// (3 upstreams on 127.0.0.1, round robin, keep-alive to upstreams, active /health check every 1 s
// where the proxy has one), and nginx as a static upstream. Pure text; never starts anything.
import path from 'node:path';

/**
 * HAProxy 2.x: `check inter 1s fall 2 rise 1`, `timeout check 1s`, and `observe layer7
 * error-limit 5 on-error mark-down` as its passive counterpart of consecutive5xx = 5.
 * retries: false = `retries 0` (like healthplane, which never retries on another host);
 * true = `retries 3` + `option redispatch` (connect failures go to another server).
 */
export function haproxyConfig({ dir, port, upstreams, retries, threads = 1 }) {
  const servers = upstreams.map((p, i) => `  server u${i + 1} 127.0.0.1:${p} check`).join('\n');
  return `global
  maxconn 4096
  nbthread ${threads}
  pidfile ${path.join(dir, 'haproxy.pid')}
  log stderr format raw local0 info

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 15s
  timeout check 1s
  timeout http-keep-alive 60s

frontend bench
  bind 127.0.0.1:${port}
  default_backend upstreams

backend upstreams
  log global
  balance roundrobin
  http-reuse always
  ${retries ? 'retries 3\n  option redispatch 1' : 'retries 0'}
  option httpchk GET /health
  http-check expect status 200
  default-server inter 1s fall 2 rise 1 observe layer7 error-limit 5 on-error mark-down
${servers}
`;
}

function nginxCommon(dir, workers) {
  const tmp = (name) => path.join(dir, name);
  return {
    head: `worker_processes ${workers};
daemon off;
pid ${tmp('nginx.pid')};
error_log stderr warn;
events { worker_connections 10000; }
`,
    http: `  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  client_body_temp_path ${tmp('client_body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
`,
  };
}

/**
 * nginx OSS as a load balancer: it has no active health checks (those are NGINX Plus), only
 * passive `max_fails=5 fail_timeout=5s`. What counts as a failure is what `proxy_next_upstream`
 * lists, which also retries the request on the next server: retries true = `error timeout
 * http_500 http_502 http_503 http_504` (the usual passive set-up); false = `off` (no retries;
 * connect errors still count, 5xx responses do not).
 */
export function nginxProxyConfig({ dir, port, upstreams, retries, workers = 1 }) {
  const c = nginxCommon(dir, workers);
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=5 fail_timeout=5s;`).join('\n');
  return `${c.head}http {
${c.http}  upstream upstreams {
${servers}
    keepalive 256;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://upstreams;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 1s;
      proxy_read_timeout 15s;
      proxy_next_upstream ${retries ? 'error timeout http_500 http_502 http_503 http_504' : 'off'};
    }
  }
}
`;
}

/** nginx as a static upstream on each port: 200 `ok` with `x-demo-upstream: uN`, also on /health. */
export function nginxUpstreamConfig({ dir, ports, workers = 1 }) {
  const c = nginxCommon(dir, workers);
  const servers = ports
    .map((p, i) => `  server {
    listen 127.0.0.1:${p};
    default_type text/plain;
    location / {
      add_header x-demo-upstream u${i + 1};
      return 200 "ok\\n";
    }
  }`)
    .join('\n');
  return `${c.head}http {
${c.http}${servers}
}
`;
}
