// The member's client ports as the configuration asks for them: the plain clientPort, the
// TLS secureClientPort, or both, as ZooKeeper opens them. Both share one RequestThrottle
// (globalOutstandingLimit is a limit of the member, not of a port); maxCnxns applies to
// each port on its own, as each of ZooKeeper's connection factories counts its own.
import type { ClientConnectionHandler } from "../base/client-connection.js";
import type { Logger } from "../base/logger.js";
import { knownFourLetterWords, type ServerConfig } from "../server/config.js";
import { ClientListener } from "./client-listener.js";
import { RequestThrottle } from "./request-throttle.js";
import { TlsContextSource } from "./tls-context.js";

export interface ClientPorts {
  /** The bound plain port, or null when only the secure port is configured. */
  plainPort: number | null;
  securePort: number | null;
  /** Total connections over both ports. */
  readonly connectionCount: number;
  close(): Promise<void>;
}

/** Opens the configured ports; rejects (having closed what it opened) if one cannot open. */
export async function openClientPorts(
  config: ServerConfig,
  handler: ClientConnectionHandler,
  logger: Logger,
): Promise<ClientPorts> {
  const throttle = new RequestThrottle(config.globalOutstandingLimit);
  const base = {
    packetBytesMax: config.packetBytesMax,
    connectionsPerAddressMax: config.maxClientCnxns,
    fourLetterWords: knownFourLetterWords,
    connectionsMax: config.maxCnxns,
    handshakeDeadlineMs: config.sessionlessConnectionTimeoutMs,
    throttle,
  };
  const listeners: ClientListener[] = [];
  let tls: TlsContextSource | null = null;
  const closeAll = async (): Promise<void> => {
    tls?.close();
    await Promise.all(listeners.map((l) => l.close()));
  };
  try {
    let plainPort: number | null = null;
    let securePort: number | null = null;
    if (config.clientPortEnabled) {
      const plain = new ClientListener(
        { ...base, host: config.clientPortAddress, port: config.clientPort },
        handler,
        logger,
      );
      listeners.push(plain);
      plainPort = await plain.listen();
    }
    if (config.secureClientPort !== null) {
      tls = new TlsContextSource(config.ssl, logger);
      tls.watchFiles();
      const secure = new ClientListener(
        {
          ...base,
          host: config.secureClientPortAddress ?? config.clientPortAddress,
          port: config.secureClientPort,
          tls,
        },
        handler,
        logger,
      );
      listeners.push(secure);
      securePort = await secure.listen();
    }
    return {
      plainPort,
      securePort,
      get connectionCount() {
        let n = 0;
        for (const l of listeners) n += l.connectionCount;
        return n;
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
