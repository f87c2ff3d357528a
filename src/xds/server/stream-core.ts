/**
 * StreamCore: the plumbing SotwStream and DeltaStream share: the client's node and group (set by
 * the first request, later nodes ignored), the cache watch, the per-stream nonce counter, and
 * flow control (a client that stops reading gets nothing more until it drains, and is closed
 * after limits.slowReaderTimeoutMs). Owns no protocol state.
 */
import type { Clock, TimerHandle } from '../../clock';
import type { Logger } from '../../log';
import type { NodeHash } from '../cache/node-hash';
import type { PublishedSnapshot, SnapshotCache } from '../cache/snapshot-cache';
import type { TypeUrl } from '../type-urls';
import type { NodeInfo, ServerHooks, StreamInfo } from './hooks';
import { acceptsSotwResourceWrapper, isGrpcClient, toNodeInfo, type NodeMessage, type XdsLimits } from './requests';

/** gRPC status codes used when the server ends a stream. */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** The server side of one gRPC stream, as the state machines see it. */
export interface StreamTransport {
  /** Writes one encoded response; false when the client is not keeping up (wait for drain()). */
  write(bytes: Uint8Array): boolean;
  /** Ends the stream with a gRPC status. */
  close(code: number, message: string): void;
}

export interface StreamDeps {
  readonly info: StreamInfo;
  readonly cache: SnapshotCache;
  readonly nodeHash: NodeHash;
  readonly hooks: ServerHooks;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: XdsLimits;
  /** Prefix of every SotW version_info, unique per server process. */
  readonly epoch: string;
  readonly controlPlaneId?: string;
  readonly transport: StreamTransport;
}

export class StreamCore {
  node: NodeInfo | undefined;
  group = '';
  grpcClient = false;
  /** SotW only: the client accepts Resource-wrapped resources (TTL). */
  sotwTtl = false;
  published: PublishedSnapshot | undefined;
  private nonce = 0;
  private cancelWatch: (() => void) | undefined;
  private congested = false;
  private slowTimer: TimerHandle | undefined;
  private closed = false;
  private heartbeatTimer: TimerHandle | undefined;

  constructor(
    readonly deps: StreamDeps,
    private readonly onSnapshot: () => void,
  ) {}

  get id(): number {
    return this.deps.info.id;
  }

  /** Records the node of the first request and starts watching its group's snapshot. */
  attachNode(message: NodeMessage | null | undefined): void {
    if (this.node) return;
    const node = toNodeInfo(message);
    this.node = node;
    this.grpcClient = isGrpcClient(node);
    this.sotwTtl = acceptsSotwResourceWrapper(node);
    this.group = this.deps.nodeHash(node);
    this.deps.hooks.onNode?.(this.id, node, this.group);
    this.cancelWatch = this.deps.cache.watch(this.group, (published) => {
      this.published = published;
      this.onSnapshot();
    });
  }

  /**
   * The snapshot's own copy of each name where it has one, so that N streams subscribed to the
   * same M names share M strings instead of holding N x M decoded copies.
   */
  intern(typeUrl: string, names: readonly string[]): string[] {
    const resources = this.published?.snapshot.resources(typeUrl as TypeUrl);
    if (!resources || resources.size === 0) return [...names];
    return names.map((n) => resources.get(n)?.name ?? n);
  }

  nextNonce(): string {
    this.nonce += 1;
    return this.nonce.toString(10);
  }

  /** Whether a response may be written now. */
  canSend(): boolean {
    return !this.closed && !this.congested;
  }

  isClosed(): boolean {
    return this.closed;
  }

  write(bytes: Uint8Array): void {
    if (this.deps.transport.write(bytes)) return;
    this.congested = true;
    this.slowTimer = this.deps.clock.setTimeout(() => {
      this.close(GrpcCode.RESOURCE_EXHAUSTED, `client did not read responses for ${this.deps.limits.slowReaderTimeoutMs} ms`);
    }, this.deps.limits.slowReaderTimeoutMs);
  }

  /** The transport has room again: catch up with everything that changed meanwhile. */
  drained(): void {
    if (!this.congested) return;
    this.congested = false;
    this.deps.clock.clearTimeout(this.slowTimer);
    this.slowTimer = undefined;
    this.onSnapshot();
  }

  /**
   * Runs beat() every limits.heartbeatIntervalMs while it returns true (the client still holds
   * resources with a TTL). Calling it while armed does nothing.
   */
  armHeartbeat(beat: () => boolean): void {
    if (this.heartbeatTimer || this.closed) return;
    this.heartbeatTimer = this.deps.clock.setTimeout(() => {
      this.heartbeatTimer = undefined;
      if (this.canSend() && beat()) this.armHeartbeat(beat);
    }, this.deps.limits.heartbeatIntervalMs);
  }

  /** Ends the stream from the server side with a status. */
  close(code: number, message: string): void {
    if (this.closed) return;
    this.dispose(message);
    this.deps.transport.close(code, message);
  }

  /** Releases the watch and timers; called once when the stream ends for any reason. */
  dispose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelWatch?.();
    this.deps.clock.clearTimeout(this.slowTimer);
    this.deps.clock.clearTimeout(this.heartbeatTimer);
    this.deps.hooks.onStreamClosed?.(this.id, reason);
  }
}
