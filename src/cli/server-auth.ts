// Finds and reads the JAAS file that lists the server's SASL users, wherever a ZooKeeper
// deployment names it: `--jaas <file>`, the zoo.cfg key java.security.auth.login.config, or
// `-Djava.security.auth.login.config=<file>` in SERVER_JVMFLAGS or JVMFLAGS (what zkServer.sh
// passes to the JVM), in that order of precedence.
import { readFileSync } from "node:fs";
import { ConfigError, type ServerConfig } from "../server/config.js";
import { digestLogin, JaasError, parseJaas, saslServerUsers } from "../server/jaas.js";

function fromJvmFlags(env: NodeJS.ProcessEnv): string | null {
  for (const name of ["SERVER_JVMFLAGS", "JVMFLAGS"]) {
    const m = /-Djava\.security\.auth\.login\.config=("[^"]+"|\S+)/.exec(env[name] ?? "");
    if (m !== null) return m[1].replace(/^"|"$/g, "");
  }
  return null;
}

/**
 * Fills config.auth.saslUsers from the JAAS file, if one is named, and with
 * quorum.auth.enableSasl the quorum's users and login from its QuorumServer and
 * QuorumLearner sections (or the sections the saslLoginContext keys name); throws
 * ConfigError. A file for quorum authentication alone needs no Server section.
 */
export function loadSaslUsers(
  config: ServerConfig,
  jaasFlag: string | undefined,
  env: NodeJS.ProcessEnv,
): void {
  const path = jaasFlag ?? config.auth.jaasConfigPath ?? fromJvmFlags(env);
  const quorum = config.quorumSecurity.auth;
  if (path === null) {
    if (quorum.enableSasl) {
      throw new ConfigError(
        "quorum.auth.enableSasl needs a JAAS file (java.security.auth.login.config or --jaas)",
      );
    }
    return;
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read JAAS file ${path}: ${(err as Error).message}`);
  }
  try {
    config.auth.jaasConfigPath = path;
    if (!quorum.enableSasl || parseJaas(text).has("Server")) {
      config.auth.saslUsers = saslServerUsers(text);
    }
    if (quorum.enableSasl) {
      quorum.serverUsers = saslServerUsers(text, quorum.serverLoginContext);
      if (quorum.learnerRequireSasl) {
        quorum.learnerCredentials = digestLogin(text, quorum.learnerLoginContext);
      }
    }
  } catch (err) {
    if (err instanceof JaasError) throw new ConfigError(`JAAS file ${path}: ${err.message}`);
    throw err;
  }
}
