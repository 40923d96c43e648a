// The state both AdminServer answers are taken in, ZooKeeper's (for the fixture) and
// Corral's (in the tests): one client session with a persistent node, an ephemeral child, a
// data watch, an exists watch and a child watch, so that every list and map in the answers
// (connections, ephemerals by session, watches by path and by session) has an element whose
// fields can be compared. Also the list of commands and aliases fetched, and the fetch itself.
import { request } from "node:http";
import { ZooKeeperClient } from "../../src/client/index.js";

/** Every AdminServer command ZooKeeper 3.8.0 lists under /commands, and its aliases. */
export const zookeeperCommands: Readonly<Record<string, readonly string[]>> = {
  configuration: ["conf", "config"],
  connection_stat_reset: ["crst"],
  connections: ["cons"],
  dirs: [],
  dump: [],
  environment: ["env", "envi"],
  get_trace_mask: ["gtmk"],
  hash: [],
  initial_configuration: ["icfg"],
  is_read_only: ["isro"],
  last_snapshot: ["lsnp"],
  leader: ["lead"],
  monitor: ["mntr"],
  observer_connection_stat_reset: ["orst"],
  observers: ["obsr"],
  ruok: [],
  server_stats: ["srvr"],
  set_trace_mask: ["stmk"],
  stat_reset: ["srst"],
  stats: ["stat"],
  system_properties: ["sysp"],
  voting_view: [],
  watch_summary: ["wchs"],
  watches: ["wchc"],
  watches_by_path: ["wchp"],
  zabstate: [],
};

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** One GET (or other method) on 127.0.0.1, the whole body as text. */
export function httpGet(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        // A connection per request, closed after it: no pooled sockets count against limits.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(10000, () => req.destroy(new Error(`GET ${path}: no answer in 10 s`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Opens the scenario's session and state; the caller closes the client when done. */
export async function setUpScenario(connectString: string): Promise<ZooKeeperClient> {
  const client = await ZooKeeperClient.connect(connectString, {
    sessionTimeoutMs: 30000,
    shuffleHosts: false,
  });
  await client.create("/admin-scenario", "hello");
  await client.create("/admin-scenario/eph", "e", { mode: "ephemeral" });
  await client.getData("/admin-scenario", { watch: () => {} });
  await client.exists("/admin-scenario/missing", { watch: () => {} });
  await client.getChildren("/admin-scenario", { watch: () => {} });
  return client;
}

/** Every command under its own name, parsed as JSON, plus each alias's `command` field. */
export async function fetchCommands(
  port: number,
  commandUrl = "/commands",
): Promise<{
  answers: Record<string, unknown>;
  aliases: Record<string, string>;
}> {
  const answers: Record<string, unknown> = {};
  const aliases: Record<string, string> = {};
  for (const [name, names] of Object.entries(zookeeperCommands)) {
    const got = await httpGet(port, `${commandUrl}/${name}`);
    answers[name] = JSON.parse(got.body);
    for (const alias of names) {
      const viaAlias = JSON.parse((await httpGet(port, `${commandUrl}/${alias}`)).body) as {
        command: string;
      };
      aliases[alias] = viaAlias.command;
    }
  }
  return { answers, aliases };
}
