// TLS and SASL settings for `corral shell` taken from where zkCli.sh takes them: the JVM
// system properties in CLIENT_JVMFLAGS (or JVMFLAGS), so a user's existing environment
// works unchanged:
//   -Dzookeeper.client.secure=true                    TLS
//   -Dzookeeper.ssl.keyStore.location=… (.password, .type)    client certificate
//   -Dzookeeper.ssl.trustStore.location=… (.password, .type)  CAs for the server
//   -Dzookeeper.ssl.hostnameVerification=false        do not check the server's name
//   -Djava.security.auth.login.config=jaas.conf       SASL DIGEST-MD5 with the username and
//     password of the JAAS section zookeeper.sasl.clientconfig names (default "Client");
//     -Dzookeeper.sasl.client=false turns SASL off
// (-Dzookeeper.clientCnxnSocket is accepted and irrelevant: Corral's client has one socket.)
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { ClientOptions } from "../client/types.js";
import { keyStoreOptions, trustStoreCas } from "../io/tls-context.js";
import { parseJaas } from "../server/jaas.js";
import { applySslKey, defaultSslConfig } from "../server/ssl-config.js";

/**
 * The -Dkey=value properties of CLIENT_JVMFLAGS and JVMFLAGS (the former wins), or of the
 * variables named, a later one winning (the server passes JVMFLAGS, SERVER_JVMFLAGS).
 */
export function jvmProperties(
  env: NodeJS.ProcessEnv,
  variables: readonly string[] = ["JVMFLAGS", "CLIENT_JVMFLAGS"],
): Map<string, string> {
  const props = new Map<string, string>();
  for (const name of variables) {
    const re = /-D([^=\s]+)=("[^"]*"|\S*)/g;
    for (let m = re.exec(env[name] ?? ""); m !== null; m = re.exec(env[name] ?? "")) {
      props.set(m[1], m[2].replace(/^"|"$/g, ""));
    }
  }
  return props;
}

export function clientSecurity(props: Map<string, string>): Pick<ClientOptions, "tls" | "sasl"> {
  const out: Pick<ClientOptions, "tls" | "sasl"> = {};
  if (props.get("zookeeper.client.secure") === "true") {
    const ssl = defaultSslConfig();
    for (const [key, value] of props) {
      if (key.startsWith("zookeeper.ssl.")) applySslKey(ssl, key.slice("zookeeper.".length), value);
    }
    const tls: ConnectionOptions = {};
    if (ssl.keyStore.location !== null) Object.assign(tls, keyStoreOptions(ssl.keyStore));
    if (ssl.trustStore.location !== null) tls.ca = trustStoreCas(ssl.trustStore);
    if (!ssl.hostnameVerification) tls.checkServerIdentity = () => undefined;
    out.tls = tls;
  }
  const jaasPath = props.get("java.security.auth.login.config");
  if (jaasPath !== undefined && props.get("zookeeper.sasl.client") !== "false") {
    const section = props.get("zookeeper.sasl.clientconfig") ?? "Client";
    const entries = parseJaas(readFileSync(jaasPath, "utf8")).get(section);
    const options = entries?.[0]?.options;
    const username = options?.get("username");
    const password = options?.get("password");
    if (username !== undefined && password !== undefined) out.sasl = { username, password };
  }
  return out;
}
