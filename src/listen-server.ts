/**
 * listenServer: binds any net-based server (node:http's or a plain net.Server) to host:port and
 * resolves the bound port (port 0: any free one), rejecting on the bind error. Shared by every
 * server we run; never keeps a listener after it settles.
 */
import type net from 'node:net';

export function listenServer(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
