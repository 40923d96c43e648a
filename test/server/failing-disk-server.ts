// Test launcher (not a test by itself): the real standalone member and client listener, put
// together as src/cli/server.ts does, but over FailingDisk, a NodeDisk that starts tearing
// every write and failing every fsync with ENOSPC when this process gets SIGUSR2. It takes
// the arguments test/support/corral-server.ts passes to `corral server` (only --config is
// read), prints the same "corral listening on" line, logs "test disk: failing ..." on stderr
// when the trigger lands, and stops on SIGTERM or SIGINT. read-only-process.test.ts drives it.
import { mkdirSync, readFileSync } from "node:fs";
import { ClientListener } from "../../src/io/client-listener.js";
import { NodeClock } from "../../src/io/node-clock.js";
import { NodeRandom } from "../../src/io/node-random.js";
import { StderrLogger } from "../../src/io/stderr-logger.js";
import { knownFourLetterWords, parseZooCfg } from "../../src/server/config.js";
import { startStandalone } from "../../src/server/standalone.js";
import { FailingDisk } from "../support/failing-disk.js";

const configIndex = process.argv.indexOf("--config");
if (configIndex < 0 || configIndex + 1 >= process.argv.length) {
  process.stderr.write("usage: failing-disk-server.js [server] --config <zoo.cfg>\n");
  process.exit(2);
}
const logger = new StderrLogger("debug", false);
const config = parseZooCfg(readFileSync(process.argv[configIndex + 1], "utf8")).config;
mkdirSync(config.dataDir, { recursive: true });
mkdirSync(config.dataLogDir, { recursive: true });
const disk = new FailingDisk();
process.on("SIGUSR2", () => {
  disk.fail();
  logger.warn("test disk: failing every write and fsync with ENOSPC from now on");
});

startStandalone(
  {
    config,
    disk,
    clock: new NodeClock(),
    random: new NodeRandom(),
    logger,
    defer: setImmediate,
  },
  (error, standalone) => {
    if (error || standalone === null) {
      logger.error("cannot start", { error: error?.message ?? "unknown" });
      process.exit(1);
    }
    const listener = new ClientListener(
      {
        host: config.clientPortAddress,
        port: config.clientPort,
        packetBytesMax: config.packetBytesMax,
        connectionsPerAddressMax: config.maxClientCnxns,
        fourLetterWords: knownFourLetterWords,
      },
      standalone.member,
      logger,
    );
    listener.listen().then(
      (port) => {
        standalone.member.clientPort = port;
        process.stdout.write(`corral listening on ${config.clientPortAddress}:${port}\n`);
      },
      (err: Error) => {
        logger.error("cannot listen on the client port", { error: err.message });
        process.exit(1);
      },
    );
    const stop = (): void => {
      listener.close().then(
        () => standalone.close(() => process.exit(0)),
        () => process.exit(1),
      );
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  },
);
