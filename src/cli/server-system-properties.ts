// The server settings ZooKeeper reads only as JVM system properties, taken from where
// zkServer.sh passes them to the JVM: `-Dkey=value` in SERVER_JVMFLAGS or JVMFLAGS (the
// former wins):
// - readonlymode.enabled, which ZooKeeper reads with Boolean.getBoolean (true, in any case,
//   enables it); a zoo.cfg key of the same name is Corral's own addition, and the system
//   property overrides it when both are given;
// - zookeeper.skipACL, on only for exactly "yes". ZooKeeper's zoo.cfg key skipACL sets the same
//   property while it parses zoo.cfg, after the JVM started, so the key wins over the flag.
import type { ServerConfig } from "../server/config.js";
import { jvmProperties } from "./client-security.js";

/** Applies the system properties of the server's JVM flags to `config`. */
export function applyServerSystemProperties(config: ServerConfig, env: NodeJS.ProcessEnv): void {
  const props = jvmProperties(env, ["JVMFLAGS", "SERVER_JVMFLAGS"]);
  const readOnly = props.get("readonlymode.enabled");
  if (readOnly !== undefined) config.readOnlyModeEnabled = readOnly.toLowerCase() === "true";
  const skipAcl = props.get("zookeeper.skipACL");
  if (skipAcl !== undefined && config.skipAcl === null) config.skipAcl = skipAcl === "yes";
}
