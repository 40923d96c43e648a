// Finds and reads the JAAS file that lists the server's SASL users, wherever a ZooKeeper
// deployment names it: `--jaas <file>`, the zoo.cfg key java.security.auth.login.config, or
// `-Djava.security.auth.login.config=<file>` in SERVER_JVMFLAGS or JVMFLAGS (what zkServer.sh
// passes to the JVM), in that order of precedence.
import { readFileSync } from "node:fs";
import { ConfigError, type ServerConfig } from "../server/config.js";
import { JaasError, saslServerUsers } from "../server/jaas.js";

function fromJvmFlags(env: NodeJS.ProcessEnv): string | null {
  for (const name of ["SERVER_JVMFLAGS", "JVMFLAGS"]) {
    const m = /-Djava\.security\.auth\.login\.config=("[^"]+"|\S+)/.exec(env[name] ?? "");
    if (m !== null) return m[1].replace(/^"|"$/g, "");
  }
  return null;
}

/** Fills config.auth.saslUsers from the JAAS file, if one is named; throws ConfigError. */
export function loadSaslUsers(
  config: ServerConfig,
  jaasFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): void {
  const path = jaasFlag ?? config.auth.jaasConfigPath ?? fromJvmFlags(env);
  if (path === null) return;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read JAAS file ${path}: ${(err as Error).message}`);
  }
  try {
    config.auth.jaasConfigPath = path;
    config.auth.saslUsers = saslServerUsers(text);
  } catch (err) {
    if (err instanceof JaasError) throw new ConfigError(`JAAS file ${path}: ${err.message}`);
    throw err;
  }
}
