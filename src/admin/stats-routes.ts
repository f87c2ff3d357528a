/**
 * GET /stats and GET /stats/prometheus: the native proxy's Stats in Envoy's admin formats.
 * `/stats` prints `name: value` lines sorted by name (`?filter=REGEX`, `?usedonly`,
 * `?format=json`); `/stats/prometheus` applies Envoy's tag extraction (cluster name, response
 * code, response code class, HTTP prefix) and prints `# TYPE` lines. Receives a Stats store and
 * the known cluster names; emits text. Never changes a stat.
 */
import type { AdminHandler, AdminResponse } from './admin-server';
import type { Stat } from '../proxy/stats';

export interface StatsSource {
  /** The stats to render (a promise when they are gathered from proxy workers). */
  readonly stats: { all(): readonly Stat[] | Promise<readonly Stat[]> };
  /** Cluster names, so that names with dots are still recognised as one `envoy_cluster_name`. */
  readonly clusterNames?: () => readonly string[];
  /** Called before every render (e.g. to refresh gauges derived from health). */
  readonly beforeRender?: () => void;
}

/** `name: value` lines, as Envoy's /stats prints them. */
export function renderStatsText(stats: readonly Stat[]): string {
  return stats.map((s) => `${s.name}: ${s.value}\n`).join('');
}

export function renderStatsJson(stats: readonly Stat[]): { stats: { name: string; value: number }[] } {
  return { stats: stats.map((s) => ({ name: s.name, value: s.value })) };
}

interface Sample {
  readonly metric: string;
  readonly labels: readonly (readonly [string, string])[];
  readonly kind: Stat['kind'];
  readonly value: number;
}

/** Envoy's Prometheus name for a stat name (not yet prefixed): anything but [a-zA-Z0-9_] → `_`. */
export function sanitizeMetricName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Applies Envoy's default tag extractors that the native proxy's stats can hit, in Envoy's order:
 * `_rq_NNN` (envoy_response_code), `_rq_Nxx` (envoy_response_code_class), then the cluster name
 * (`cluster.<name>.`) or the HTTP connection manager prefix (`http.<prefix>.`).
 */
export function toSample(stat: Stat, clusterNames: readonly string[]): Sample {
  let name = stat.name;
  const labels: [string, string][] = [];
  const code = /_rq(_(\d{3}))$/.exec(name);
  if (code) {
    labels.push(['envoy_response_code', code[2] ?? '']);
    name = name.slice(0, code.index) + '_rq';
  } else {
    const cls = /_rq_((\d))xx$/.exec(name);
    if (cls) {
      labels.push(['envoy_response_code_class', cls[2] ?? '']);
      name = name.slice(0, cls.index) + '_rq_xx';
    }
  }
  if (name.startsWith('cluster.')) {
    const rest = name.slice('cluster.'.length);
    const known = clusterNames.filter((c) => rest.startsWith(`${c}.`)).sort((a, b) => b.length - a.length)[0];
    const cluster = known ?? rest.slice(0, Math.max(0, rest.indexOf('.')));
    if (cluster !== '') {
      labels.push(['envoy_cluster_name', cluster]);
      name = `cluster.${rest.slice(cluster.length + 1)}`;
    }
  } else if (name.startsWith('http.')) {
    const rest = name.slice('http.'.length);
    const dot = rest.indexOf('.');
    if (dot > 0) {
      labels.push(['envoy_http_conn_manager_prefix', rest.slice(0, dot)]);
      name = `http.${rest.slice(dot + 1)}`;
    }
  }
  return { metric: `envoy_${sanitizeMetricName(name)}`, labels, kind: stat.kind, value: stat.value };
}

/** Prometheus text exposition with Envoy's names and labels; families sorted by metric name. */
export function renderPrometheus(stats: readonly Stat[], clusterNames: readonly string[] = []): string {
  const families = new Map<string, Sample[]>();
  for (const stat of stats) {
    const sample = toSample(stat, clusterNames);
    const list = families.get(sample.metric);
    if (list) list.push(sample);
    else families.set(sample.metric, [sample]);
  }
  const out: string[] = [];
  for (const metric of [...families.keys()].sort()) {
    const samples = families.get(metric) ?? [];
    out.push(`# TYPE ${metric} ${samples[0]?.kind === 'gauge' ? 'gauge' : 'counter'}`);
    const lines = samples.map((s) => {
      const labels = s.labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      return `${metric}${labels === '' ? '' : `{${labels}}`} ${s.value}`;
    });
    out.push(...lines.sort());
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

async function selectStats(source: StatsSource, query: URLSearchParams): Promise<readonly Stat[] | AdminResponse> {
  source.beforeRender?.();
  let stats = await source.stats.all();
  const filter = query.get('filter');
  if (filter !== null && filter !== '') {
    let re: RegExp;
    try {
      re = new RegExp(filter);
    } catch {
      return { status: 400, body: `invalid filter regex: ${filter}\n` };
    }
    stats = stats.filter((s) => re.test(s.name));
  }
  if (query.has('usedonly')) stats = stats.filter((s) => s.value !== 0);
  return stats;
}

function isStatList(value: readonly Stat[] | AdminResponse): value is readonly Stat[] {
  return Array.isArray(value);
}

/** GET /stats: text (`name: value`), `?format=json`, or `?format=prometheus`. */
export function statsHandler(source: StatsSource): AdminHandler {
  return async (req) => {
    const stats = await selectStats(source, req.query);
    if (!isStatList(stats)) return stats;
    const format = req.query.get('format') ?? 'text';
    if (format === 'json') return { status: 200, body: renderStatsJson(stats) };
    if (format === 'prometheus') return { status: 200, body: renderPrometheus(stats, source.clusterNames?.() ?? []) };
    if (format !== 'text') return { status: 400, body: `format must be text, json or prometheus, not "${format}"\n` };
    return { status: 200, body: renderStatsText(stats) };
  };
}

/** GET /stats/prometheus. */
export function prometheusHandler(source: StatsSource): AdminHandler {
  return async (req) => {
    const stats = await selectStats(source, req.query);
    if (!isStatList(stats)) return stats;
    return { status: 200, body: renderPrometheus(stats, source.clusterNames?.() ?? []) };
  };
}
