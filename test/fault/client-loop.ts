// Small pieces every workload client shares: a client with the run's timeouts, waiting for a
// connection without outliving the run, and a bounded retry for the collector's reads.
import { ZooKeeperClient } from "../../src/client/client.js";
import type { TestRng } from "../support/rng.js";

export interface ClientSettings {
  connectString: string;
  sessionTimeoutMs: number;
  requestTimeoutMs: number;
}

export function newClient(
  settings: ClientSettings,
  r: TestRng,
  extra: { renewSessionOnExpiry?: boolean; session?: { id: bigint; password: Uint8Array } } = {},
): ZooKeeperClient {
  const client = new ZooKeeperClient(settings.connectString, {
    sessionTimeoutMs: settings.sessionTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
    random: r.next,
    ...extra,
  });
  // Connection errors are part of the test; the client reports them as states and rejected
  // calls, and an unhandled "error" event must not end the process.
  client.on("error", () => {});
  return client;
}

/** Waits until `client` has a connection, it closes, or `untilMs` (history time) passes. */
export async function awaitConnection(
  client: ZooKeeperClient,
  nowMs: () => number,
  untilMs: number,
): Promise<boolean> {
  if (client.connected) return true;
  const waitMs = untilMs - nowMs();
  if (waitMs <= 0 || client.closed) return false;
  try {
    await client.waitConnected({ timeoutMs: waitMs });
    return true;
  } catch {
    return false;
  }
}

/** Runs `attempt` until it succeeds or `untilMs` passes; rethrows the last error then. */
export async function retryUntil<T>(
  nowMs: () => number,
  untilMs: number,
  attempt: () => Promise<T>,
): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (nowMs() >= untilMs) throw e;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
