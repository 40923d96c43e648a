// Test launcher (not a test by itself): `corral server`'s own serveMember (the real
// standalone member and client listener) over FailingDisk, a NodeDisk that starts tearing
// every write and failing every fsync with ENOSPC when this process gets SIGUSR2. It takes
// the arguments test/support/corral-server.ts passes to `corral server` (only --config is
// read), prints the same "corral listening on" line, logs "test disk: failing ..." on stderr
// when the trigger lands, and stops on SIGTERM or SIGINT. read-only-process.test.ts drives it.
import { mkdirSync, readFileSync } from "node:fs";
import { serveMember } from "../../src/cli/server.js";
import { StderrLogger } from "../../src/io/stderr-logger.js";
import { parseZooCfg } from "../../src/server/config.js";
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

serveMember(config, logger, disk);
