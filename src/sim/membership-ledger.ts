// What the ensemble simulator knows about /zookeeper/config, and its checks of the reconfig
// path (client request, reconfig order, the leader's job, the reconfig entry):
//
// - every version of /zookeeper/config any member applied is one text: no two members show
//   the same version (a reconfig entry's zxid) with different memberships;
// - a reconfig entry commits a membership the Raft group already has: when a member applies
//   the entry at zxid z and its log tells the configuration in force at z, every
//   participant the text lists votes there and every observer is in the group (observers
//   may still vote: a participant turned observer is demoted after the entry; members that
//   left are removed after it, so extra members are allowed);
// - a reconfig answered OK was committed: its reply's text is the version some member applied
//   at the reply's zxid (the answering member applied it before it replied);
// - a refused reconfig changed nothing: no member ever shows /zookeeper/config at the zxid of
//   the entry that carried the refusal;
// - when the ensemble has settled, every member of the Raft configuration shows the same
//   /zookeeper/config, and its participants are exactly the voters and its observers exactly
//   the learners (`converged`, which the harness waits for until its heal budget runs out).
import type { ConfState } from "../raft/types.js";
import type { ServerSpec } from "../server/config.js";
import { configText, parseDynamicConfig } from "../server/dynamic-config.js";

/** The ensemble simulator's member `id` as ZooKeeper's server line fields. */
export function simServerSpec(id: number, role: ServerSpec["role"]): ServerSpec {
  return {
    id,
    host: `m${id}`,
    peerPort: 2888,
    electionPort: 3888,
    role,
    clientHost: `m${id}`,
    clientPort: 2181,
  };
}

export class MembershipLedger {
  /** Every /zookeeper/config version a member applied, with its text and who showed it. */
  private readonly versions = new Map<number, { text: string; member: number }>();
  private readonly refusedZxids = new Set<number>();
  /** Reconfig replies: OK ones and refused ones. */
  answeredOk = 0;
  refused = 0;

  constructor(
    initial: readonly ServerSpec[],
    private readonly fail: (message: string) => void,
  ) {
    this.versions.set(0, { text: configText(initial, 0), member: 0 });
  }

  /** The text of `version`, if some member applied it. */
  textOf(version: number): string | undefined {
    return this.versions.get(version)?.text;
  }

  /**
   * Member `member` applied /zookeeper/config `version`; `confAt` is the Raft configuration
   * in force at that zxid in its log, or null when its log no longer holds that point (a
   * snapshot replaced it) or the member is still recovering.
   */
  applied(member: number, version: number, text: string, confAt: ConfState | null): void {
    const seen = this.versions.get(version);
    if (seen === undefined) {
      this.versions.set(version, { text, member });
    } else if (seen.text !== text) {
      this.fail(
        `m${member} shows /zookeeper/config version ${version.toString(16)} as ${oneLine(text)}, m${seen.member} as ${oneLine(seen.text)}`,
      );
      return;
    }
    if (this.refusedZxids.has(version)) {
      this.fail(`m${member} shows a refused reconfig's zxid ${version} as /zookeeper/config`);
      return;
    }
    // A joiner replaying the log from its start knows no configuration before the first
    // membership change in it (the initial one is not an entry): it cannot tell.
    if (confAt === null || confAt.voters.length === 0) return;
    for (const s of parseDynamicConfig(text).servers) {
      const voter = confAt.voters.includes(s.id);
      if (s.role === "participant" ? !voter : !voter && !confAt.learners.includes(s.id)) {
        this.fail(
          `m${member} applied reconfig ${version.toString(16)} listing m${s.id} as ${s.role}, but at that zxid its Raft group has voters ${confAt.voters.join(",")} learners ${confAt.learners.join(",") || "none"}`,
        );
        return;
      }
    }
  }

  /** A reconfig was answered OK at `zxid` with /zookeeper/config's new text. */
  ok(client: string, zxid: number, text: string): void {
    this.answeredOk++;
    const version = parseDynamicConfig(text).version;
    if (version !== zxid) {
      this.fail(`${client}: reconfig answered at zxid ${zxid} with config version ${version}`);
      return;
    }
    const seen = this.versions.get(zxid);
    if (seen === undefined || seen.text !== text) {
      this.fail(
        `${client}: reconfig answered OK at zxid ${zxid} with ${oneLine(text)}, but no member applied that (${seen === undefined ? "no member shows that version" : oneLine(seen.text)})`,
      );
    }
  }

  /** A reconfig was refused with an entry at `zxid`. */
  refusedAt(client: string, zxid: number): void {
    this.refused++;
    this.refusedZxids.add(zxid);
    const seen = this.versions.get(zxid);
    if (seen !== undefined) {
      this.fail(
        `${client}: reconfig refused at zxid ${zxid}, yet m${seen.member} shows it as /zookeeper/config ${oneLine(seen.text)}`,
      );
    }
  }

  /**
   * Null when every member of `conf` shows one /zookeeper/config whose participants are
   * exactly the voters and whose observers are exactly the learners; else what differs.
   */
  static converged(conf: ConfState, texts: ReadonlyMap<number, string | null>): string | null {
    let first: string | null = null;
    for (const [id, text] of texts) {
      if (text === null) return `m${id} has no /zookeeper/config`;
      if (first === null) first = text;
      else if (text !== first) return `m${id} shows ${oneLine(text)}, others ${oneLine(first)}`;
    }
    if (first === null) return "no member to compare";
    const servers = parseDynamicConfig(first).servers;
    const ids = (role: ServerSpec["role"]) =>
      servers
        .filter((s) => s.role === role)
        .map((s) => s.id)
        .sort((a, b) => a - b)
        .join(",");
    const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b).join(",");
    if (ids("participant") !== sorted(conf.voters) || ids("observer") !== sorted(conf.learners)) {
      return `/zookeeper/config ${oneLine(first)} but the Raft group has voters ${sorted(conf.voters)} learners ${sorted(conf.learners) || "none"}`;
    }
    return null;
  }
}

/** A config text on one line, for failure messages and traces: "1:p 2:p 3:o v=1a". */
export function oneLine(text: string): string {
  try {
    const c = parseDynamicConfig(text);
    const members = c.servers.map((s) => `${s.id}:${s.role === "participant" ? "p" : "o"}`);
    return `[${members.join(" ")} v=${c.version.toString(16)}]`;
  } catch {
    return JSON.stringify(text);
  }
}
