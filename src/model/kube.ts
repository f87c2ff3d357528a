/** Core Kubernetes kinds healthplane reads: v1 Service, discovery.k8s.io/v1 EndpointSlice, networking.k8s.io/v1 Ingress. */
import type { KubeObject } from './meta';

export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly protocol?: string;
  readonly appProtocol?: string;
}

export interface ServiceSpec {
  readonly ports?: readonly ServicePort[];
  readonly selector?: Readonly<Record<string, string>>;
  readonly type?: string;
  readonly clusterIP?: string;
}

export type Service = KubeObject<'Service', ServiceSpec>;

export interface EndpointConditions {
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
}

export interface SliceEndpoint {
  readonly addresses: readonly string[];
  readonly conditions?: EndpointConditions;
  readonly hostname?: string;
  readonly nodeName?: string;
  readonly zone?: string;
}

export interface EndpointPort {
  readonly name?: string;
  readonly port?: number;
  readonly protocol?: string;
}

/** EndpointSlice keeps its fields at the top level (no spec); the parser moves them under `spec`. */
export interface EndpointSliceSpec {
  readonly addressType: string;
  readonly endpoints: readonly SliceEndpoint[];
  readonly ports?: readonly EndpointPort[];
}

export type EndpointSlice = KubeObject<'EndpointSlice', EndpointSliceSpec>;

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface IngressServiceBackend {
  readonly name: string;
  readonly port?: { readonly number?: number; readonly name?: string };
}

export interface IngressBackend {
  readonly service?: IngressServiceBackend;
  readonly resource?: Readonly<Record<string, unknown>>;
}

export interface IngressPath {
  readonly path?: string;
  readonly pathType: string;
  readonly backend: IngressBackend;
}

export interface IngressRule {
  readonly host?: string;
  readonly http?: { readonly paths: readonly IngressPath[] };
}

export interface IngressSpec {
  readonly ingressClassName?: string;
  readonly defaultBackend?: IngressBackend;
  readonly rules?: readonly IngressRule[];
  readonly tls?: readonly Readonly<Record<string, unknown>>[];
}

export type Ingress = KubeObject<'Ingress', IngressSpec>;
