/**
 * translateInputs(): the pure pipeline from input resources to the IR, with every problem as a
 * TranslationFailure and every served object's status. Receives an InputResources bundle and
 * options; emits {ir, failures, statuses}. No I/O, no clock, no logger; never throws on bad input,
 * and one bad object never blocks the others. The steps below run in this order, on purpose.
 */
import type { InputResources } from '../model/resources';
import type { Ir } from '../ir/types';
import { BackendBook, DEFAULT_OPTIONS, InputIndex, StatusBook, dedupeInputs, type Ctx, type TranslateOptions } from './context';
import { Report, type TranslationFailure } from './failures';
import type { ResourceStatus } from './status';
import { translateEndpointSlice } from './endpoint-slice';
import { translateService } from './service';
import { translateReferenceGrant } from './reference-grant';
import { KongPolicies } from './upstream-policy';
import { translateUpstream } from './upstream';
import { setGatewayStatus, translateGateway, translateGatewayClass, type ServedGateway } from './gateway';
import { slotSource, translateHttpRoute } from './http-route';
import { translateIngress } from './ingress';
import { assembleListeners, attachedCounts } from './listeners';

export interface TranslationResult {
  readonly ir: Ir;
  readonly failures: readonly TranslationFailure[];
  readonly statuses: readonly ResourceStatus[];
}

export function translateInputs(inputs: InputResources, options: Partial<TranslateOptions> = {}): TranslationResult {
  const ctx = createContext(inputs, { ...DEFAULT_OPTIONS, ...options });
  const objects = ctx.index.inputs;
  // 1. Leaf objects: endpoints, Services (and their policy links), ReferenceGrants.
  objects.endpointSlices.forEach((s) => translateEndpointSlice(s, ctx));
  objects.services.forEach((s) => translateService(s, ctx));
  objects.referenceGrants.forEach((g) => translateReferenceGrant(g, ctx));
  // 2. Health policies, then the Gloo Upstream backends.
  objects.upstreamPolicies.forEach((p) => ctx.kong.translate(p));
  objects.upstreams.forEach((u) => translateUpstream(u, ctx));
  // 3. The Gateways we serve.
  objects.gatewayClasses.forEach((c) => translateGatewayClass(c, ctx));
  const served = objects.gateways.map((g) => translateGateway(g, ctx)).filter((g): g is ServedGateway => g !== undefined);
  // 4. Routes attach to listeners, building Service backends as they reference them.
  const byKey = new Map(served.map((g) => [`${g.gateway.metadata.namespace}/${g.gateway.metadata.name}`, g]));
  const attachments = [...objects.httpRoutes.flatMap((r) => translateHttpRoute(r, byKey, ctx)), ...objects.ingresses.flatMap((i) => translateIngress(i, ctx))];
  // 5. Statuses that depend on what attached.
  const counts = attachedCounts(attachments);
  served.forEach((g) => setGatewayStatus(g, new Map(g.slots.map((s) => [s.index, counts.get(slotSource(s)) ?? 0])), ctx));
  ctx.kong.setStatuses(objects.upstreamPolicies);
  // 6. The IR, sorted by name.
  const ir: Ir = { listeners: assembleListeners(served, attachments, ctx), backends: ctx.backends.sorted() };
  return { ir, failures: ctx.report.list(), statuses: ctx.statuses.list() };
}

function createContext(inputs: InputResources, options: TranslateOptions): Ctx {
  const report = new Report();
  const base = { index: new InputIndex(dedupeInputs(inputs, report)), report, options, backends: new BackendBook(), statuses: new StatusBook() };
  return { ...base, kong: new KongPolicies(base) };
}
