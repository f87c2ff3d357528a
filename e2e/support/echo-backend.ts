/**
 * EchoBackend: a real gRPC server on 127.0.0.1 (port 0) that answers one unary method with its own
 * id, and counts the calls it served. The method carries raw bytes (identity serializers), so no
 * proto is needed on either side: the request is ignored, the response is the id in UTF-8.
 * Used as the upstream the xDS-configured client must reach; never talks to the control plane.
 */
import * as grpc from '@grpc/grpc-js';

/** Full gRPC method path of the echo method (what the client's route table is matched against). */
export const ECHO_METHOD = '/healthplane.e2e.EchoService/Echo';

const identity = (b: Buffer): Buffer => b;

const ECHO_SERVICE: grpc.ServiceDefinition = {
  Echo: {
    path: ECHO_METHOD,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'Echo',
  },
};

export interface EchoBackend {
  readonly id: string;
  readonly port: number;
  /** Calls served so far. */
  calls(): number;
  stop(): Promise<void>;
}

export async function startEchoBackend(id: string): Promise<EchoBackend> {
  let calls = 0;
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    Echo: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      calls += 1;
      callback(null, Buffer.from(id, 'utf8'));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    id,
    port,
    calls: () => calls,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** Unary echo call on any client (e.g. one whose target is xds:///echo); resolves the backend id. */
export function callEcho(client: grpc.Client, deadlineMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      ECHO_METHOD,
      identity,
      identity,
      Buffer.alloc(0),
      { deadline: Date.now() + deadlineMs },
      (err, value) => (err || !value ? reject(err ?? new Error('empty response')) : resolve(value.toString('utf8'))),
    );
  });
}
