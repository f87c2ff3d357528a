/**
 * closeServer: stops a node:http server from accepting and cuts its open connections (idle
 * keep-alive ones included), resolving once it is closed. Shared by every HTTP server we run.
 */
import type * as http from 'node:http';

export function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
