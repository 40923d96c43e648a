// Free loopback ports for tests. The port is found by binding port 0 and closing again; a
// process started right after binds it. Tests never use a fixed port such as 2181.
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("no port"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * A free loopback port below the kernel's ephemeral range (32768 and up on Linux), for a
 * server that must come back on the same port after a kill: an ephemeral port can be taken
 * meanwhile as the local end of some outgoing connection, one below the range cannot.
 */
export async function freeStablePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
  return freePort();
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A peer transport's member table: each id at 127.0.0.1 on a free port. */
export async function loopbackMembers(
  ids: number[],
): Promise<Map<number, { host: string; port: number }>> {
  const members = new Map<number, { host: string; port: number }>();
  for (const id of ids) members.set(id, { host: "127.0.0.1", port: await freePort() });
  return members;
}
