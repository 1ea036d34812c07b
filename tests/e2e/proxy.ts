/**
 * A real forward proxy on 127.0.0.1 for the end-to-end suites: the `proxy`
 * package from npm (HTTP, and CONNECT for HTTPS), optionally asking for
 * Basic credentials, with a log of every CONNECT it was asked for.
 *
 * @module
 */

import http from "node:http";
import type { IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createProxy } from "proxy";

/** One CONNECT the proxy was asked for. */
export interface Connect {
  /** The target, host:port. */
  target: string;
  /** Whether the request carried credentials the proxy took. */
  authorized: boolean;
}

/** A running proxy. */
export interface TestProxy {
  /** `http://127.0.0.1:PORT`, without credentials. */
  url: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Every CONNECT, in order. */
  connects: Connect[];
  /** Stops it and ends every tunnel. */
  close(): Promise<void>;
}

/** Starts a proxy; with `credentials`, it answers 407 without them. */
export async function startProxy(
  { credentials }: { credentials?: { username: string; password: string } } =
    {},
): Promise<TestProxy> {
  const server = createProxy(http.createServer());
  const connects: Connect[] = [];
  const expected = credentials
    ? `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`
    : undefined;
  const authorized = (req: IncomingMessage) =>
    expected === undefined || req.headers["proxy-authorization"] === expected;
  if (credentials) server.authenticate = authorized;
  server.on("connect", (req: IncomingMessage) => {
    connects.push({ target: req.url ?? "", authorized: authorized(req) });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens: a proxy that refuses. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
