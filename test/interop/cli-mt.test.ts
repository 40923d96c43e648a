// Proves that the ZooKeeper C client (Debian zookeeper-bin 3.8, its cli_mt shell) works
// against each target server: create in every mode (sequence, ephemeral, container, TTL,
// create2 with Stat), get, set, ls, ls2, exists, delete, sync, config, the errors
// NodeExists, NoNode, NotEmpty and NoChildrenForEphemerals, and watches (exists, data,
// child) delivered before the reply of the write that fired them.
//
// cli_mt runs requests asynchronously and prints completions from its completion thread, in
// reply order. The test drives it step by step: it writes one command followed by a marker
// (an asynchronous `get` of a node that cannot exist), waits for the marker's completion and
// takes everything printed before it as that step's output. Times, zxids and session ids
// differ between servers and runs and are masked.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { peerSkip } from "../support/peers.js";
import { targets } from "../support/targets.js";
import { type Check, reportChecks } from "./scenario-program.js";

const cliMt = "/usr/lib/zookeeper/bin/cli_mt";
const markerPrefix = "/cli-mt-marker/";
const stepTimeoutMs = 15_000;

function stat(s: { version: number; aversion?: number; owner?: string }): string[] {
  return [
    "\tctime = <time>",
    "\tczxid=<zxid>",
    "\tmtime=<time>",
    "\tmzxid=<zxid>",
    `\tversion=${s.version}\taversion=${s.aversion ?? 0}`,
    `\tephemeralOwner = ${s.owner ?? "0"}`,
  ];
}

/** [command, its output after masking]; cli_mt creates every node with the data "new". */
const steps: [string, string[]][] = [
  ["", ["Watcher SESSION_EVENT state = CONNECTED_STATE", "Got a new session id: <session>"]],
  ["create /c", ["Creating [/c] node (mode: 0)", "[/c]: rc = 0", "\tname = /c"]],
  [
    "create +s /c/s-",
    ["Creating [/c/s-] node (mode: 2)", "[/c/s-]: rc = 0", "\tname = /c/s-0000000000"],
  ],
  ["create +e /c/eph", ["Creating [/c/eph] node (mode: 1)", "[/c/eph]: rc = 0", "\tname = /c/eph"]],
  [
    "create +es /c/es-",
    ["Creating [/c/es-] node (mode: 3)", "[/c/es-]: rc = 0", "\tname = /c/es-0000000002"],
  ],
  [
    "create2 /c2",
    ["Creating [/c2] node (mode: 0)", "[/c2]: rc = 0", "\tname = /c2", ...stat({ version: 0 })],
  ],
  ["create +c /cc", ["Creating [/cc] node (mode: 4)", "[/cc]: rc = 0", "\tname = /cc"]],
  ["create +t=60000 /ct", ["Creating [/ct] node (mode: 5)", "[/ct]: rc = 0", "\tname = /ct"]],
  ["create /c", ["Creating [/c] node (mode: 0)", "[/c]: rc = -110"]],
  ["create /nope/x", ["Creating [/nope/x] node (mode: 0)", "[/nope/x]: rc = -101"]],
  ["create /c/eph/x", ["Creating [/c/eph/x] node (mode: 0)", "[/c/eph/x]: rc = -108"]],
  // get sets a data watch: the set below fires it before its own reply.
  ["get /c", ["/c: rc = 0", " value_len = 3", "new", "Stat:", ...stat({ version: 0 })]],
  [
    "set /c hello",
    [
      "Watcher CHANGED_EVENT state = CONNECTED_STATE for path /c",
      "/c: rc = 0 Stat:",
      ...stat({ version: 1 }),
    ],
  ],
  ["get /c", ["/c: rc = 0", " value_len = 5", "hello", "Stat:", ...stat({ version: 1 })]],
  ["get /nope", ["/nope: rc = -101", "", "Stat:", "null"]],
  [
    "get /c/eph",
    [
      "/c/eph: rc = 0",
      " value_len = 3",
      "new",
      "Stat:",
      ...stat({ version: 0, owner: "<session>" }),
    ],
  ],
  // ls sets a child watch: the delete of a child below fires it.
  ["ls /c", ["/c: rc = 0", "\teph", "\tes-0000000002", "\ts-0000000000"]],
  ["ls2 /c", ["/c: rc = 0", "\teph", "\tes-0000000002", "\ts-0000000000", ...stat({ version: 1 })]],
  ["ls /nope", ["/nope: rc = -101"]],
  ["exists /c", []],
  ["exists /nope", ["Error -101 for /nope"]],
  ["wexists /w", ["Error -101 for /w"]],
  [
    "create /w",
    [
      "Creating [/w] node (mode: 0)",
      "Watcher CREATED_EVENT state = CONNECTED_STATE for path /w",
      "[/w]: rc = 0",
      "\tname = /w",
    ],
  ],
  ["sync /c", ["[/c]: rc = 0", "\tname = /c"]],
  [
    "delete /c/s-0000000000",
    ["Watcher CHILD_EVENT state = CONNECTED_STATE for path /c", "/c/s-0000000000: rc = 0"],
  ],
  ["delete /c", ["/c: rc = -111"]],
  ["delete /nope", ["/nope: rc = -101"]],
  [
    "config",
    [
      "/zookeeper/config: rc = 0",
      " value_len = 0",
      "",
      "Stat:",
      "\tctime = <time>",
      "\tczxid=<zxid>",
      "\tmtime=<time>",
      "\tmzxid=<zxid>",
      "\tversion=0\taversion=ffffffff",
      "\tephemeralOwner = 0",
    ],
  ],
  ["delete /w", ["/w: rc = 0"]],
];

function mask(lines: string[]): string[] {
  const out: string[] = [];
  let children: string[] = [];
  const flush = () => {
    // Children come in the server's hash order; compare them sorted.
    out.push(...children.sort());
    children = [];
  };
  for (const line of lines) {
    if (/^time = \d+ msec$/.test(line)) continue;
    if (/^\t[^\t=\s]+$/.test(line) && !line.startsWith("\tname")) {
      children.push(line);
      continue;
    }
    flush();
    out.push(
      line
        .replace(/^\t([cm])time ?= ?.*$/, (_m, c: string) =>
          c === "c" ? "\tctime = <time>" : "\tmtime=<time>",
        )
        .replace(/^\t([cm])zxid=[0-9a-f]+$/, "\t$1zxid=<zxid>")
        .replace(/^\tephemeralOwner = (?!0$)[0-9a-f]+$/, "\tephemeralOwner = <session>")
        .replace(/^Got a new session id: 0x[0-9a-f]+$/, "Got a new session id: <session>"),
    );
  }
  flush();
  return out;
}

/** Drives cli_mt one step at a time; returns each step's raw output lines. */
async function drive(connectString: string): Promise<{ outputs: string[][]; stderr: string }> {
  const child = spawn(cliMt, [connectString], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  let waiter: (() => void) | undefined;
  const onData = (d: Buffer) => {
    output += d.toString();
    waiter?.();
  };
  child.stderr.on("data", onData);
  child.stdout.on("data", () => {});
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const outputs: string[][] = [];
  try {
    let consumed = 0;
    for (let i = 0; i < steps.length; i++) {
      const [command] = steps[i];
      child.stdin.write(`${command === "" ? "" : `${command}\n`}get ${markerPrefix}${i}\n`);
      // The marker's completion ends with its (null) Stat.
      const end = `${markerPrefix}${i}: rc = -101\n\nStat:\nnull\n`;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(
            new Error(
              `step ${i} (${command}) got no marker; output so far:\n${output.slice(consumed)}`,
            ),
          );
        }, stepTimeoutMs);
        waiter = () => {
          if (output.indexOf(end, consumed) >= 0) {
            clearTimeout(timer);
            waiter = undefined;
            resolve();
          }
        };
        waiter();
      });
      const endAt = output.indexOf(end, consumed);
      const stepText = output.slice(consumed, endAt);
      consumed = endAt + end.length;
      const lines = stepText.split("\n");
      // The marker's "time = ..." line precedes it; mask() drops time lines anyway.
      if (lines[lines.length - 1] === "") lines.pop();
      outputs.push(lines);
    }
    child.stdin.end("quit\n");
    await Promise.race([exited, new Promise((r) => setTimeout(r, stepTimeoutMs))]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  }
  return { outputs, stderr: output };
}

/** cli_mt's `config` on an ensemble of `members` (ports and the length masked). */
function ensembleConfig(members: number): string[] {
  const lines = [];
  for (let id = 1; id <= members; id++)
    lines.push(`server.${id}=127.0.0.1:<port>:<port>:participant`);
  return [
    "/zookeeper/config: rc = 0",
    " value_len = <n>",
    ...lines,
    "version=0",
    "Stat:",
    "\tctime = <time>",
    "\tczxid=<zxid>",
    "\tmtime=<time>",
    "\tmzxid=<zxid>",
    "\tversion=ffffffff\taversion=ffffffff",
    "\tephemeralOwner = 0",
  ];
}

for (const target of targets) {
  const skip =
    target.unavailableReason() ??
    (existsSync(cliMt) ? undefined : `${cliMt} is not installed (run scripts/install-interop.sh)`);
  test(`C client cli_mt against ${target.name}`, { skip: peerSkip(skip) }, async (t) => {
    const server = await target.start();
    let run: { outputs: string[][]; stderr: string };
    try {
      run = await drive(server.connectString);
    } finally {
      await server.stop();
    }
    const members = server.connectString.split(",").length;
    const checks: Check[] = steps.map(([command, standalone], i) => {
      let actual = mask(run.outputs[i] ?? ["<no output>"]);
      let expected = standalone;
      if (command === "config" && members > 1) {
        // An ensemble's /zookeeper/config holds its membership, as ZooKeeper's does.
        actual = actual.map((l) =>
          l
            .replace(/^ value_len = \d+$/, " value_len = <n>")
            .replace(/:\d+:\d+:/, ":<port>:<port>:"),
        );
        expected = ensembleConfig(members);
      }
      return {
        check: `cli_mt/${command === "" ? "connect" : command}`,
        ok: JSON.stringify(actual) === JSON.stringify(expected),
        expected,
        actual,
      };
    });
    await reportChecks(
      t,
      {
        checks,
        done: true,
        exitCode: 0,
        signal: null,
        timedOut: false,
        stderr: run.stderr,
        stdout: "",
        otherOutput: "",
      },
      ["cli_mt"],
    );
    assert.equal(run.outputs.length, steps.length);
  });
}
