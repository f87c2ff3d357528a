/**
 * `healthplane translate -f PATH... [-o json|yaml]`: reads the inputs once, translates them like
 * `serve --config-dir` would, and prints {listeners, routes, clusters, endpoints} in Envoy's JSON
 * form (snake_case, expanded Any, "5s" durations: what /config_dump shows; also a valid
 * --xds-resources file). Problems go to stderr, one line each; exit 1 when any is an error.
 */
import { stringify } from 'yaml';
import { validateIr } from '../ir/validate';
import type { Problem } from '../model/problems';
import { toInputResources } from '../model/resources';
import type { ToXdsFn } from '../reconcile/reconciler';
import { translateInputs } from '../translate/translate';
import type { InputCommandOptions } from '../options';
import { toEnvoyJson } from '../xds/envoy-json';
import { buildSnapshot, type XdsResources } from '../xds/snapshot-builder';
import { TypeUrl } from '../xds/type-urls';
import { countLine, formatProblem, sortProblems } from './format-problem';
import { loadInputs } from './load-inputs';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface TranslateDeps {
  readonly toXds: ToXdsFn;
}

/** The sections of the output, in print order, with the message each holds. */
const SECTIONS = [
  { key: 'listeners', message: 'envoy.config.listener.v3.Listener', typeUrl: TypeUrl.Listener },
  { key: 'routes', message: 'envoy.config.route.v3.RouteConfiguration', typeUrl: TypeUrl.Route },
  { key: 'clusters', message: 'envoy.config.cluster.v3.Cluster', typeUrl: TypeUrl.Cluster },
  { key: 'endpoints', message: 'envoy.config.endpoint.v3.ClusterLoadAssignment', typeUrl: TypeUrl.Endpoint },
] as const;

export interface Translated {
  readonly problems: readonly Problem[];
  readonly resources: XdsResources | undefined;
}

/** Reads, translates and checks the inputs; problems include read/parse, translation and output checks. */
export async function translatePaths(paths: readonly string[], gatewayClass: string | undefined, deps: TranslateDeps): Promise<Translated> {
  const loaded = await loadInputs(paths);
  const result = translateInputs(toInputResources(loaded.objects), gatewayClass !== undefined ? { gatewayClass } : {});
  const problems: Problem[] = [...loaded.problems, ...result.failures];
  const irErrors = validateIr(result.ir);
  if (irErrors.length > 0) {
    problems.push(...irErrors.map((e): Problem => ({ severity: 'error', path: e.path, reason: 'InternalIrError', message: `the IR breaks an invariant (a healthplane bug): ${e.message}` })));
    return { problems, resources: undefined };
  }
  let resources: XdsResources;
  try {
    resources = deps.toXds(result.ir);
    const consistency = buildSnapshot(resources).checkConsistent();
    problems.push(...consistency.map((message): Problem => ({ severity: 'error', path: '', reason: 'InconsistentSnapshot', message })));
  } catch (err) {
    problems.push({ severity: 'error', path: '', reason: 'InvalidEnvoyResource', message: (err as Error).message });
    return { problems, resources: undefined };
  }
  return { problems, resources };
}

/** Envoy JSON of every resource, sections in print order, each resource with its `@type`. */
export function envoyJsonOf(resources: XdsResources): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const s of SECTIONS) {
    const list = resources[s.key] as readonly object[];
    out[s.key] = list.map((r) => ({ '@type': s.typeUrl, ...(toEnvoyJson(s.message, r) as object) }));
  }
  return out;
}

export async function runTranslate(options: InputCommandOptions, io: CliIo, deps: TranslateDeps): Promise<number> {
  const { problems, resources } = await translatePaths(options.paths, options.gatewayClass, deps);
  if (resources) {
    const json = envoyJsonOf(resources);
    io.stdout(options.output === 'yaml' ? stringify(json, { lineWidth: 0 }) : `${JSON.stringify(json, null, 2)}\n`);
  }
  for (const p of sortProblems(problems)) io.stderr(`${formatProblem(p)}\n`);
  const errors = problems.some((p) => p.severity === 'error');
  if (problems.length > 0) io.stderr(`${countLine(problems)}\n`);
  return errors ? 1 : 0;
}
