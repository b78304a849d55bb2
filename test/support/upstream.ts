/**
 * A stand-in for a downstream service: answers `/status/<code>` with that
 * status and a small JSON body, on 127.0.0.1 port 0.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Upstream {
  readonly url: string;
  close(): Promise<void>;
}

export async function startUpstream(body = '{"error":"upstream failed for jane@example.com"}'): Promise<Upstream> {
  const server = createServer((req, res) => {
    const code = Number(/^\/status\/(\d{3})/.exec(req.url ?? '')?.[1] ?? 200);
    req.resume();
    res.writeHead(code, { 'content-type': 'application/json' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
