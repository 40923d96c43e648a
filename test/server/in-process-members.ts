// Real members run inside the test process, for tests that drive them from outside: storage
// on the real disk, clients over real loopback sockets, ensemble members linked by a
// LoopbackHub (which can cut links). Each gets the ZooKeeper client listener that `corral
// server` would give it, on a free port.
import { join } from "node:path";
import { MemoryLogger } from "../../src/base/logger.js";
import { ClientListener } from "../../src/io/client-listener.js";
import { NodeClock } from "../../src/io/node-clock.js";
import { NodeDisk } from "../../src/io/node-disk.js";
import { NodeRandom } from "../../src/io/node-random.js";
import { defaultConfig, knownFourLetterWords, type ServerConfig } from "../../src/server/config.js";
import type { Member } from "../../src/server/member.js";
import { type RunningMember, startMember } from "../../src/server/start-member.js";
import type { LoopbackHub } from "./loopback-network.js";

export interface TestMember {
  id: number;
  running: RunningMember;
  listener: ClientListener;
  port: number;
  logger: MemoryLogger;
}

/** Opens a client listener for `member` on a free loopback port. */
export async function listenForClients(
  member: Member,
  config: ServerConfig,
  logger: MemoryLogger,
): Promise<{ listener: ClientListener; port: number }> {
  const listener = new ClientListener(
    {
      host: "127.0.0.1",
      port: 0,
      packetBytesMax: config.packetBytesMax,
      connectionsPerAddressMax: 0,
      fourLetterWords: knownFourLetterWords,
    },
    member,
    logger,
  );
  const port = await listener.listen();
  member.clientPort = port;
  return { listener, port };
}

/**
 * Starts member `id` of an ensemble of `voters` on `hub`, with its data under `dir/m<id>`:
 * tickTime 200 ms, session timeouts 400-8000 ms, every four-letter word allowed, then
 * whatever `configure` changes.
 */
export async function startTestMember(
  hub: LoopbackHub,
  dir: string,
  id: number,
  voters: readonly number[],
  configure: (config: ServerConfig) => void = () => {},
): Promise<TestMember> {
  const config = defaultConfig();
  config.tickTimeMs = 200;
  config.minSessionTimeoutMs = 400;
  config.maxSessionTimeoutMs = 8000;
  config.dataDir = join(dir, `m${id}`);
  config.dataLogDir = config.dataDir;
  config.fourLetterWords = "*";
  configure(config);
  const logger = new MemoryLogger();
  const running = await new Promise<RunningMember>((resolve, reject) =>
    startMember(
      {
        config,
        disk: new NodeDisk(),
        clock: new NodeClock(),
        random: new NodeRandom(),
        logger,
        defer: setImmediate,
        ensemble: {
          self: id,
          conf: { voters: [...voters], learners: [] },
          network: hub.network(id, voters),
        },
      },
      (err, m) => (err || m === null ? reject(err) : resolve(m)),
    ),
  );
  const { listener, port } = await listenForClients(running.member, config, logger);
  return { id, running, listener, port, logger };
}

export async function stopTestMember(m: TestMember): Promise<void> {
  await m.listener.close();
  await new Promise<void>((resolve) => m.running.close(() => resolve()));
}
