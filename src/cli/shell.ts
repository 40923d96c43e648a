// `corral shell`: an interactive ZooKeeper shell with zkCli.sh's command set and output
// format, built on the TypeScript client. Scriptable: `corral shell -server h:p -c 'ls /'`
// (or the command as trailing arguments, as zkCli.sh takes it) runs one command and exits
// with 0 on success and 1 on error. Interactive mode completes command names and znode
// paths (Tab) and keeps its history across runs in ~/.corral_shell_history.
//
// Output follows zkCli.sh 3.8 line for line for the same tree: children as a Java list
// ("[a, b]"), Stat as "cZxid = 0x..." lines with dates in Java's Date.toString() form,
// ACLs as "'scheme,'id" then ": perms", and zkCli's error sentences ("Node does not exist:
// /a"). test/client/shell.test.ts compares both on a sample of commands.

import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import type { Command } from "commander";
import { ZooKeeperClient } from "../client/client.js";
import {
  BadArgumentsError,
  BadVersionError,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  ReconfigDisabledError,
  UnimplementedError,
  ZooKeeperError,
} from "../client/errors.js";
import type { ACL, ClientOptions, CreateModeName, Stat, WatchedEvent } from "../client/types.js";
import { NodeProcessInfo } from "../io/node-process-info.js";
import { EventType, KeeperState } from "../protocol/constants.js";
import { formatVersionLine } from "../server/version.js";
import { clientSecurity, jvmProperties } from "./client-security.js";
import { delQuota, listQuota, type ShellStreams, setQuota } from "./shell-quota.js";

const historyFile = join(homedir(), ".corral_shell_history");
const historyMax = 1000;

const commandHelp: Record<string, string> = {
  addWatch:
    "addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE",
  addauth: "addauth scheme auth",
  close: "close ",
  config: "config [-c] [-w] [-s]",
  connect: "connect host:port",
  create: "create [-s] [-e] [-c] [-t ttl] path [data] [acl]",
  delete: "delete [-v version] path",
  deleteall: "deleteall path [-b batch size]",
  delquota: "delquota [-n|-b|-N|-B] path",
  get: "get [-s] [-w] path",
  getAcl: "getAcl [-s] path",
  getAllChildrenNumber: "getAllChildrenNumber path",
  getEphemerals: "getEphemerals path",
  history: "history ",
  listquota: "listquota path",
  ls: "ls [-s] [-w] [-R] path",
  printwatches: "printwatches on|off",
  quit: "quit ",
  reconfig:
    "reconfig [-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
  redo: "redo cmdno",
  removewatches: "removewatches path [-c|-d|-a] [-l]",
  set: "set [-s] [-v version] path data",
  setAcl: "setAcl [-s] [-v version] [-R] path acl",
  setquota: "setquota -n|-b|-N|-B val path",
  stat: "stat [-w] path",
  sync: "sync path",
  version: "version ",
  whoami: "whoami ",
};

/** Registers `corral shell` on the program. */
export function registerShell(program: Command): void {
  program
    .command("shell")
    .description(
      "interactive ZooKeeper shell (zkCli.sh commands): shell [-server host:port,...] [-c 'command']",
    )
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .helpOption(false)
    .argument("[args...]")
    .action(async (args: string[]) => {
      process.exitCode = await runShell(args);
    });
}

export type ShellArgsInput = Pick<ShellArgs, "timeoutMs"> & Partial<Pick<ShellArgs, "security">>;

interface ShellArgs {
  server: string;
  timeoutMs: number;
  command: string | null;
  /** TLS and SASL from CLIENT_JVMFLAGS, as zkCli.sh (cli/client-security.ts). */
  security: Pick<ClientOptions, "tls" | "sasl">;
}

function parseArgs(args: string[]): ShellArgs {
  const out: ShellArgs = {
    server: "localhost:2181",
    timeoutMs: 30000,
    command: null,
    security: clientSecurity(jvmProperties(process.env)),
  };
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if ((a === "-server" || a === "--server") && i + 1 < args.length) out.server = args[++i];
    else if ((a === "-timeout" || a === "--timeout") && i + 1 < args.length)
      out.timeoutMs = Number(args[++i]);
    else if (a === "-c" && i + 1 < args.length) out.command = args[++i];
    else rest.push(a);
  }
  if (out.command === null && rest.length > 0) out.command = rest.join(" ");
  return out;
}

/** Runs the shell; returns the process exit code. */
export async function runShell(
  argv: string[],
  output: (s: string) => void = (s) => process.stdout.write(s),
  errors: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const args = parseArgs(argv);
  const shell = new Shell(args, output, errors);
  try {
    if (args.command !== null) {
      await shell.connect(args.server);
      const ok = await shell.execute(args.command);
      return ok ? 0 : 1;
    }
    await shell.interactive(args.server);
    return 0;
  } finally {
    await shell.disconnect();
  }
}

export class Shell {
  private client: ZooKeeperClient | null = null;
  private server = "";
  private readonly history: string[] = [];
  private rl: Interface | null = null;
  private quitting = false;
  /** zkCli's printwatches: whether watch events are printed. */
  private printWatches = true;
  private readonly streams: ShellStreams = {
    out: (line) => this.println(line),
    err: (line) => this.err(`${line}\n`),
  };

  constructor(
    private readonly args: ShellArgsInput,
    private readonly out: (s: string) => void,
    /** Errors go to stderr, as zkCli.sh prints them. */
    private readonly err: (s: string) => void = out,
  ) {}

  private println(s = ""): void {
    this.out(`${s}\n`);
  }

  async connect(server: string): Promise<void> {
    await this.disconnect();
    this.server = server;
    this.client = await ZooKeeperClient.connect(server, {
      ...this.args.security,
      sessionTimeoutMs: this.args.timeoutMs,
      timeoutMs: this.args.timeoutMs,
    });
  }

  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c !== null) await c.close();
  }

  private prompt(): string {
    const state = this.client?.connected
      ? "CONNECTED"
      : this.client === null
        ? "CLOSED"
        : "CONNECTING";
    return `[zk: ${this.server}(${state}) ${this.history.length}] `;
  }

  async interactive(server: string): Promise<void> {
    try {
      await this.connect(server);
    } catch (e) {
      this.err(`Unable to connect to ${server}: ${describe(e)}\n`);
    }
    const saved = existsSync(historyFile)
      ? readFileSync(historyFile, "utf8")
          .split("\n")
          .filter((l) => l !== "")
      : [];
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: process.stdin.isTTY,
      history: saved.slice(-historyMax).reverse(),
      historySize: historyMax,
      completer: (
        line: string,
        callback: (err: Error | null, result: [string[], string]) => void,
      ) => {
        this.complete(line).then(
          (r) => callback(null, r),
          () => callback(null, [[], line]),
        );
      },
    });
    this.rl = rl;
    rl.setPrompt(this.prompt());
    rl.prompt();
    for await (const line of rl) {
      const trimmed = line.trim();
      if (trimmed !== "") {
        try {
          appendFileSync(historyFile, `${trimmed}\n`);
        } catch {
          // History is a convenience: an unwritable home must not stop the shell.
        }
        await this.execute(trimmed);
      }
      if (this.quitting) break;
      rl.setPrompt(this.prompt());
      rl.prompt();
    }
    rl.close();
  }

  /** Completes a command name (first word) or a znode path. */
  async complete(line: string): Promise<[string[], string]> {
    const words = line.split(/\s+/);
    const last = words[words.length - 1];
    if (words.length <= 1) {
      return [Object.keys(commandHelp).filter((c) => c.startsWith(last)), last];
    }
    if (!last.startsWith("/") || this.client === null) return [[], last];
    const slash = last.lastIndexOf("/");
    const parent = slash === 0 ? "/" : last.slice(0, slash);
    const prefix = last.slice(slash + 1);
    const children = await this.client.getChildren(parent);
    const base = parent === "/" ? "/" : `${parent}/`;
    return [
      children
        .filter((c) => c.startsWith(prefix))
        .sort()
        .map((c) => base + c),
      last,
    ];
  }

  /** Runs one command line; false when it failed. */
  async execute(line: string): Promise<boolean> {
    const words = tokenize(line);
    if (words.length === 0) return true;
    this.history.push(line);
    const [cmd, ...argv] = words;
    try {
      await this.run(cmd, argv);
      return true;
    } catch (e) {
      this.err(`${describe(e)}\n`);
      return false;
    }
  }

  private need(): ZooKeeperClient {
    if (this.client === null) throw new Error("Not connected");
    return this.client;
  }

  private async run(cmd: string, argv: string[]): Promise<void> {
    switch (cmd) {
      case "setquota": {
        const q = parseFlags(argv, new Set(["n", "b", "N", "B"]));
        const chosen = [...q.values.keys()];
        if (chosen.length > 1) {
          // commons-cli's OptionGroup refuses a second option of the group, in zkCli's words.
          throw new Error(
            `org.apache.commons.cli.AlreadySelectedException: The option '${chosen[1]}' was specified but an option from this group has already been selected: '${chosen[0]}'`,
          );
        }
        const path = need(q.positional[0], cmd);
        if (chosen.length === 0) throw new Error(commandHelp.setquota);
        await setQuota(this.need(), this.streams, chosen[0], q.values.get(chosen[0])!, path);
        return;
      }
      case "listquota":
        await listQuota(this.need(), this.streams, need(argv[0], cmd));
        return;
      case "delquota": {
        const q = parseFlags(argv, new Set());
        await delQuota(this.need(), this.streams, q.flags, need(q.positional[0], cmd));
        return;
      }
      case "printwatches":
        if (argv[0] === "on" || argv[0] === "off") this.printWatches = argv[0] === "on";
        else this.println(`printwatches is ${this.printWatches ? "on" : "off"}`);
        return;
      case "version":
        this.println(`ZooKeeper CLI version: ${cliVersionLine()}`);
        return;
      case "reconfig": {
        const r = parseFlags(argv, new Set(["v", "file", "members", "add", "remove"]));
        const change = {
          joining: r.values.get("add"),
          leaving: r.values.get("remove"),
          newMembers: r.values.get("members") ?? membersFromFile(r.values.get("file")),
          fromConfig: r.values.has("v") ? Number.parseInt(r.values.get("v")!, 16) : -1,
        };
        if (
          change.joining === undefined &&
          change.leaving === undefined &&
          change.newMembers === undefined
        )
          throw new Error(commandHelp.reconfig);
        const result = await this.need().reconfig(change);
        this.println("Committed new configuration:");
        this.println(result.data.toString("utf8"));
        if (r.flags.has("s")) this.printStat(result.stat);
        return;
      }
    }
    const { flags, values, positional } = parseFlags(argv, new Set(["v", "t", "m", "b"]));
    switch (cmd) {
      case "ls": {
        const path = positional[0] ?? "/";
        const zk = this.need();
        if (flags.has("R")) {
          for (const p of await this.subtree(path)) this.println(p);
          return;
        }
        const watch = flags.has("w") ? this.watcher() : undefined;
        const r = await zk.getChildrenWithStat(path, { watch });
        this.println(javaList(r.children.sort()));
        if (flags.has("s")) this.printStat(r.stat);
        return;
      }
      case "get": {
        const r = await this.need().getData(need(positional[0], cmd), {
          watch: flags.has("w") ? this.watcher() : undefined,
        });
        this.println(
          r.stat.dataLength === 0 && r.data.length === 0 ? "null" : r.data.toString("utf8"),
        );
        if (flags.has("s")) this.printStat(r.stat);
        return;
      }
      case "stat": {
        const path = need(positional[0], cmd);
        const stat = await this.need().exists(path, {
          watch: flags.has("w") ? this.watcher() : undefined,
        });
        if (stat === null) throw new NoNodeError(path);
        this.printStat(stat);
        return;
      }
      case "set": {
        const path = need(positional[0], cmd);
        const version = values.has("v") ? Number(values.get("v")) : -1;
        const stat = await this.need().setData(path, positional[1] ?? "", version);
        if (flags.has("s")) this.printStat(stat);
        return;
      }
      case "create": {
        const path = need(positional[0], cmd);
        let mode: CreateModeName = "persistent";
        const seq = flags.has("s");
        if (flags.has("e")) mode = seq ? "ephemeralSequential" : "ephemeral";
        else if (flags.has("c")) mode = "container";
        else if (values.has("t")) mode = seq ? "persistentSequentialWithTTL" : "persistentWithTTL";
        else if (seq) mode = "persistentSequential";
        const acl = positional[2] !== undefined ? parseAcl(positional[2]) : undefined;
        const r = await this.need().create(path, positional[1] ?? null, {
          mode,
          acl,
          ttlMs: values.has("t") ? Number(values.get("t")) : undefined,
        });
        this.println(`Created ${r.path}`);
        return;
      }
      case "delete": {
        const version = values.has("v") ? Number(values.get("v")) : -1;
        await this.need().delete(need(positional[0], cmd), version);
        return;
      }
      case "deleteall":
      case "rmr": {
        const path = need(positional[0], cmd);
        const batch = values.has("b") ? Number(values.get("b")) : 1000;
        const all = await this.subtree(path);
        // Deepest first, in transactions of `batch` deletes, as ZKUtil.deleteRecursive does.
        all.reverse();
        for (let i = 0; i < all.length; i += batch) {
          const txn = this.need().transaction();
          for (const p of all.slice(i, i + batch)) txn.delete(p);
          await txn.commit();
        }
        return;
      }
      case "getAcl": {
        const r = await this.need().getACL(need(positional[0], cmd));
        for (const a of r.acl) {
          this.println(`'${a.id.scheme},'${a.id.id}`);
          this.println(`: ${permString(a.perms)}`);
        }
        if (flags.has("s")) this.printStat(r.stat);
        return;
      }
      case "setAcl": {
        const path = need(positional[0], cmd);
        const acl = parseAcl(need(positional[1], cmd));
        const version = values.has("v") ? Number(values.get("v")) : -1;
        const targets = flags.has("R") ? await this.subtree(path) : [path];
        let stat: Stat | null = null;
        for (const p of targets) stat = await this.need().setACL(p, acl, p === path ? version : -1);
        if (flags.has("s") && stat !== null) this.printStat(stat);
        return;
      }
      case "addauth":
        await this.need().addAuth(need(positional[0], cmd), positional[1] ?? "");
        return;
      case "sync":
        await this.need().sync(need(positional[0], cmd));
        this.println("Sync is OK");
        return;
      case "config": {
        const r = await this.need().getConfig({
          watch: flags.has("w") ? this.watcher() : undefined,
        });
        if (r.data.length > 0) this.println(r.data.toString("utf8"));
        if (flags.has("s")) this.printStat(r.stat);
        return;
      }
      case "addWatch": {
        const path = need(positional[0], cmd);
        const m = (values.get("m") ?? "PERSISTENT_RECURSIVE").toUpperCase();
        if (m !== "PERSISTENT" && m !== "PERSISTENT_RECURSIVE") {
          throw new Error(
            `${m} is an invalid mode. Choose one of [PERSISTENT, PERSISTENT_RECURSIVE]`,
          );
        }
        await this.need().addWatch(
          path,
          this.watcher(),
          m === "PERSISTENT" ? "persistent" : "persistentRecursive",
        );
        return;
      }
      case "removewatches": {
        const path = need(positional[0], cmd);
        const type = flags.has("c") ? "children" : flags.has("d") ? "data" : "any";
        await this.need().removeWatches(path, type, { local: flags.has("l") });
        return;
      }
      case "whoami": {
        const who = await this.need().whoAmI();
        this.println("Auth scheme: User");
        for (const w of who) this.println(`${w.authScheme}: ${w.user}`);
        return;
      }
      case "getEphemerals":
        this.println(javaList(await this.need().getEphemerals(positional[0] ?? "/")));
        return;
      case "getAllChildrenNumber":
        this.println(String(await this.need().getAllChildrenNumber(need(positional[0], cmd))));
        return;
      case "close":
        await this.disconnect();
        return;
      case "connect":
        await this.connect(need(positional[0], cmd));
        return;
      case "history": {
        const start = Math.max(0, this.history.length - 11);
        for (let i = start; i < this.history.length - 1; i++)
          this.println(`${i} - ${this.history[i]}`);
        return;
      }
      case "redo": {
        const n = Number(need(positional[0], cmd));
        const again = this.history[n];
        this.history.pop();
        if (again === undefined) throw new Error("Command index out of range");
        await this.execute(again);
        return;
      }
      case "quit":
        this.quitting = true;
        await this.disconnect();
        return;
      case "help":
        this.println("ZooKeeper -server host:port -client-configuration properties-file cmd args");
        for (const k of Object.keys(commandHelp).sort()) this.println(`\t${commandHelp[k]}`);
        return;
      default:
        this.println("ZooKeeper -server host:port -client-configuration properties-file cmd args");
        for (const k of Object.keys(commandHelp).sort()) this.println(`\t${commandHelp[k]}`);
        throw new Error(`Command not found: Command not found ${cmd}`);
    }
  }

  /** The path and every descendant, breadth first, children sorted. */
  private async subtree(path: string): Promise<string[]> {
    const out = [path];
    for (let i = 0; i < out.length; i++) {
      const p = out[i];
      let kids: string[];
      try {
        kids = (await this.need().getChildren(p)).sort();
      } catch (e) {
        // zkCli reports an unreadable node and goes on with the rest of the tree.
        if (e instanceof NoAuthError) {
          this.err(`${describe(e)}\n`);
          continue;
        }
        throw e;
      }
      for (const k of kids) out.push(p === "/" ? `/${k}` : `${p}/${k}`);
    }
    return out;
  }

  private watcher(): (e: WatchedEvent) => void {
    return (e) => {
      if (!this.printWatches) return;
      this.println("");
      this.println("WATCHER::");
      this.println("");
      this.println(
        `WatchedEvent state:${stateName(e.state)} type:${eventName(e.type)} path:${e.path}`,
      );
      this.rl?.prompt(true);
    };
  }

  private printStat(s: Stat): void {
    this.println(formatStat(s));
  }
}

/** Splits a command line on spaces, honouring single and double quotes. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

function parseFlags(
  argv: string[],
  withValue: Set<string>,
): { flags: Set<string>; values: Map<string, string>; positional: string[] } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.length >= 2 && a.startsWith("-") && !a.startsWith("/") && Number.isNaN(Number(a))) {
      const name = a.slice(1);
      if (withValue.has(name) && i + 1 < argv.length) values.set(name, argv[++i]);
      else for (const ch of name) flags.add(ch);
    } else {
      positional.push(a);
    }
  }
  return { flags, values, positional };
}

/** The client's own version, as zkCli prints its jar's (Version.getFullVersion). */
function cliVersionLine(): string {
  return formatVersionLine(new NodeProcessInfo().environment().builtAtMs);
}

/** reconfig -file: the server lines of a dynamic configuration file, comma-joined. */
function membersFromFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  return lines
    .map((l) => l.trim())
    .filter((l) => /^(server|group|weight)\./.test(l))
    .join(",");
}

function need(value: string | undefined, cmd: string): string {
  if (value === undefined) throw new Error(commandHelp[cmd] ?? cmd);
  return value;
}

/** Java's AbstractCollection.toString(): "[a, b]". */
function javaList(items: string[]): string {
  return `[${items.join(", ")}]`;
}

function hex(n: number): string {
  return `0x${(n < 0 ? BigInt.asUintN(64, BigInt(n)) : BigInt(n)).toString(16)}`;
}

const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Java's Date.toString(): "EEE MMM dd HH:mm:ss zzz yyyy" in the local time zone. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const zone =
    new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
      .formatToParts(d)
      .find((p) => p.type === "timeZoneName")?.value ?? "UTC";
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${weekdays[d.getDay()]} ${months[d.getMonth()]} ${two(d.getDate())} ${two(d.getHours())}:${two(
    d.getMinutes(),
  )}:${two(d.getSeconds())} ${zone} ${d.getFullYear()}`;
}

export function formatStat(s: Stat): string {
  return [
    `cZxid = ${hex(s.czxid)}`,
    `ctime = ${javaDate(s.ctime)}`,
    `mZxid = ${hex(s.mzxid)}`,
    `mtime = ${javaDate(s.mtime)}`,
    `pZxid = ${hex(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ].join("\n");
}

function permString(perms: number): string {
  let s = "";
  if (perms & 4) s += "c";
  if (perms & 8) s += "d";
  if (perms & 1) s += "r";
  if (perms & 2) s += "w";
  if (perms & 16) s += "a";
  return s;
}

/** zkCli's ACL syntax: "scheme:id:perms[,scheme:id:perms]" (ids may contain colons). */
export function parseAcl(text: string): ACL[] {
  return text.split(",").map((part) => {
    const first = part.indexOf(":");
    const last = part.lastIndexOf(":");
    if (first < 0 || last === first)
      throw new Error(`${part} does not have the form scheme:id:perm`);
    let perms = 0;
    for (const ch of part.slice(last + 1)) {
      const bit = { r: 1, w: 2, c: 4, d: 8, a: 16 }[ch];
      if (bit === undefined) throw new Error(`Unknown perm type: ${ch}`);
      perms |= bit;
    }
    return { perms, id: { scheme: part.slice(0, first), id: part.slice(first + 1, last) } };
  });
}

function stateName(state: number): string {
  switch (state) {
    case KeeperState.syncConnected:
      return "SyncConnected";
    case KeeperState.disconnected:
      return "Disconnected";
    case KeeperState.expired:
      return "Expired";
    case KeeperState.closed:
      return "Closed";
    case KeeperState.connectedReadOnly:
      return "ConnectedReadOnly";
    default:
      return String(state);
  }
}

function eventName(type: number): string {
  switch (type) {
    case EventType.none:
      return "None";
    case EventType.nodeCreated:
      return "NodeCreated";
    case EventType.nodeDeleted:
      return "NodeDeleted";
    case EventType.nodeDataChanged:
      return "NodeDataChanged";
    case EventType.nodeChildrenChanged:
      return "NodeChildrenChanged";
    case EventType.dataWatchRemoved:
      return "DataWatchRemoved";
    case EventType.childWatchRemoved:
      return "ChildWatchRemoved";
    case EventType.persistentWatchRemoved:
      return "PersistentWatchRemoved";
    default:
      return String(type);
  }
}

/** zkCli's sentences for the common errors; the error's own message otherwise. */
function describe(e: unknown): string {
  if (e instanceof NoNodeError) return `Node does not exist: ${e.path ?? ""}`;
  if (e instanceof NodeExistsError) return `Node already exists: ${e.path ?? ""}`;
  if (e instanceof NotEmptyError) return `Node not empty: ${e.path ?? ""}`;
  if (e instanceof BadVersionError) return `version No is not valid : ${e.path ?? ""}`;
  if (e instanceof NoAuthError) return `Insufficient permission : ${e.path ?? ""}`;
  if (e instanceof BadArgumentsError)
    return `Path must start with / character or is invalid: ${e.message}`;
  // KeeperException.getCodeMessage's texts where they are not the code's name.
  if (e instanceof ReconfigDisabledError) return "KeeperErrorCode = Reconfig is disabled";
  if (e instanceof UnimplementedError) return "KeeperErrorCode = Unimplemented";
  if (e instanceof ZooKeeperError)
    return `KeeperErrorCode = ${e.codeName}${e.path ? ` for ${e.path}` : ""}`;
  return e instanceof Error ? e.message : String(e);
}
