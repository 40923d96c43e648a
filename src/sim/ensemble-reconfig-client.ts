// The ensemble simulator's operator: a ZooKeeper client that changes the membership the way
// zkCli's `reconfig` does, through the real request path (a member takes the request, sends
// the reconfig order to the leader, whose job changes the Raft group one member at a time,
// catching a joiner up first, and ends with the reconfig entry that becomes
// /zookeeper/config). It authenticates as the super user (zoo.cfg's superDigest; the ACL of
// /zookeeper/config lets nobody else write it), reads /zookeeper/config behind a sync, and
// asks for one change built from what it read:
//
// - incremental: a spare or a removed member joins as participant or observer, an observer
//   becomes a participant, a participant becomes an observer or leaves, an observer leaves;
//   now and then two of these in one request (one joining, one leaving);
// - sometimes the same membership in the non-incremental form (every member listed);
// - mostly with the version it read as fromConfig, sometimes with -1 (no check), and
//   sometimes with an older version it saw before, which is stale for certain (versions are
//   zxids and only grow) and must be refused with BadVersion (or ReconfigInProgress, which
//   ZooKeeper checks first);
// - now and then a second request right behind the first, on the same version, which the
//   leader takes while the first one's job runs.
//
// Participants are never taken below three, as an operator keeps a tolerant ensemble. Replies
// are checked as they arrive (membership-ledger.ts): OK only for a committed membership, the
// one the request asked for when it named the version it was built on; a refusal with an
// error ZooKeeper gives for such a request, and no change at its zxid. A request whose
// connection is lost stays uncertain: it may still commit, and the ledger's other checks hold
// either way.
import { Buffer } from "node:buffer";
import { readConnectResponse } from "../protocol/connect-codec.js";
import { ErrorCode, OpCode, Xid } from "../protocol/constants.js";
import { Reader } from "../protocol/reader.js";
import type { ReconfigRequest } from "../protocol/records.js";
import { encodeRequest } from "../protocol/request-codec.js";
import { readReplyHeader, readResponseBody } from "../protocol/response-codec.js";
import { Writer } from "../protocol/writer.js";
import type { ServerSpec } from "../server/config.js";
import { nextMembership, parseDynamicConfig, serverLine } from "../server/dynamic-config.js";
import { configPath } from "../tree/path.js";
import { encodeNewSession } from "./ensemble-client.js";
import { type MembershipLedger, oneLine, simServerSpec } from "./membership-ledger.js";
import type { Prng } from "./prng.js";
import type { LinkClient, SimClientLink } from "./sim-client-link.js";
import type { Owner, Timeline } from "./timeline.js";

/** The super user's password; ensemble-sim-setup.ts puts its digest in the members' config. */
export const simSuperPassword = "sim";

export interface ReconfigClientHost {
  readonly timeline: Timeline;
  readonly wire: Owner;
  /** Every member the simulation runs, spares included. */
  readonly ids: readonly number[];
  readonly ledger: MembershipLedger;
  /** A connection to a running member of the configuration; null if none runs. */
  connectOperator(client: LinkClient): { link: SimClientLink; member: number } | null;
  trace(line: string): void;
  fail(message: string): void;
}

type Kind = "auth" | "sync" | "read" | "reconfig";

interface Planned {
  request: ReconfigRequest;
  /** The membership asked for, when the request names the version it was built on. */
  expected: ServerSpec[] | null;
  stale: boolean;
  what: string;
}

const Phase = { disconnected: 0, handshaking: 1, ready: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

export class ReconfigClient implements LinkClient {
  readonly name = "op";
  /** Set when faults stop: finish what is in flight, send nothing new. */
  draining = false;
  stopped = false;
  private phase: Phase = Phase.disconnected;
  private link: SimClientLink | null = null;
  private member = 0;
  private readonly outstanding: { xid: number; kind: Kind }[] = [];
  /** The reconfigs sent on this connection and not answered yet, oldest first. */
  private readonly planned: Planned[] = [];
  private nextXid = 1;
  /** Every /zookeeper/config version this client read, oldest first. */
  private readonly seenVersions: number[] = [];
  private readonly writer = new Writer(4096);
  private readonly reader = new Reader();

  constructor(
    private readonly host: ReconfigClientHost,
    private readonly random: Prng,
    private readonly gapMsMax: number,
  ) {}

  get idle(): boolean {
    return this.outstanding.length === 0;
  }

  start(): void {
    this.host.timeline.at(this.random.between(200, this.gapMsMax), this.host.wire, this.act);
  }

  private readonly act = (): void => {
    if (this.stopped || this.draining) return;
    if (this.phase === Phase.disconnected) this.connect();
    else if (this.phase === Phase.ready && this.outstanding.length === 0) {
      // Read /zookeeper/config behind a sync, as an operator checks before changing it.
      this.send("sync", encodeRequest(this.writer, this.nextXid, OpCode.sync, { path: "/" }));
      this.send(
        "read",
        encodeRequest(this.writer, this.nextXid, OpCode.getData, {
          path: configPath,
          watch: false,
        }),
      );
    }
    this.host.timeline.at(this.random.between(200, this.gapMsMax), this.host.wire, this.act);
  };

  private connect(): void {
    const got = this.host.connectOperator(this);
    if (got === null) return;
    this.link = got.link;
    this.member = got.member;
    this.phase = Phase.handshaking;
    this.host.trace(`${this.name} connect #${got.link.id} to m${got.member}`);
    got.link.clientSend(encodeNewSession(this.writer, 4000));
    this.outstanding.push({ xid: Xid.auth, kind: "auth" });
    got.link.clientSend(
      encodeRequest(this.writer, Xid.auth, OpCode.auth, {
        type: 0,
        scheme: "digest",
        auth: Buffer.from(`super:${simSuperPassword}`, "utf8"),
      }),
    );
  }

  private send(kind: Kind, frame: Uint8Array): void {
    this.outstanding.push({ xid: this.nextXid++, kind });
    this.link!.clientSend(frame);
  }

  receive(link: SimClientLink, body: Uint8Array): void {
    if (link !== this.link) return;
    const r = this.reader.reset(body);
    if (this.phase === Phase.handshaking) {
      if (readConnectResponse(r).timeOut === 0) {
        // Refused (the member could not make the session now): try again later.
        link.clientClose();
        this.ended(link);
        return;
      }
      this.phase = Phase.ready;
      return;
    }
    const header = readReplyHeader(r);
    if (header.xid === Xid.notification) return;
    const head = this.outstanding.shift();
    if (head === undefined || head.xid !== header.xid) {
      this.host.fail(`${this.name}: reply xid ${header.xid}, expected ${head?.xid ?? "none"}`);
      return;
    }
    const err = header.err;
    if (head.kind === "reconfig") {
      this.answered(err, header.zxid, r);
      return;
    }
    if (err !== ErrorCode.ok) {
      this.host.fail(`${this.name}: ${head.kind} answered ${err}`);
      return;
    }
    if (head.kind === "read") {
      const res = readResponseBody(r, OpCode.getData);
      this.plan(Buffer.from(res.data ?? new Uint8Array(0)).toString("utf8"));
    }
  }

  /**
   * Builds a request from the membership just read, and sends it; now and then a second one
   * right behind it, built on the same version, which the leader takes while the first one's
   * job runs (ReconfigInProgress) or after it committed (BadVersion, unless -1): two requests
   * on one version are never both OK with what each asked for.
   */
  private plan(text: string): void {
    if (this.draining) return;
    const current = parseDynamicConfig(text);
    if (this.seenVersions.at(-1) !== current.version) this.seenVersions.push(current.version);
    this.ask(current);
    if (this.random.chance(0.2)) this.ask(current);
  }

  private ask(current: { servers: ServerSpec[]; version: number }): void {
    const change = this.drawChange(current.servers);
    if (change === null) return;
    const older = this.seenVersions.filter((v) => v < current.version);
    const r = this.random.below(100);
    const stale = older.length > 0 && r < 15;
    const unchecked = !stale && r < 30;
    const curConfigId = stale ? this.random.pick(older) : unchecked ? -1 : current.version;
    let request: ReconfigRequest = { ...change.request, curConfigId };
    let form = "";
    if (this.random.chance(0.25)) {
      // The same membership, every member listed (zkCli's `reconfig -members`).
      const next = nextMembership(current.servers, request, true);
      if (next.ok) {
        request = {
          joiningServers: null,
          leavingServers: null,
          newMembers: next.servers.map(serverLine).join(","),
          curConfigId,
        };
        form = " (all members listed)";
      }
    }
    const expected = nextMembership(current.servers, request, true);
    const planned: Planned = {
      request,
      expected: !stale && !unchecked && expected.ok ? expected.servers : null,
      stale,
      what: `${change.what}${form} from ${stale ? `stale ${curConfigId.toString(16)}` : unchecked ? "any" : curConfigId.toString(16)}`,
    };
    this.planned.push(planned);
    this.host.trace(`${this.name} asks m${this.member} to reconfig: ${planned.what}`);
    this.send("reconfig", encodeRequest(this.writer, this.nextXid, OpCode.reconfig, request));
  }

  private drawChange(
    servers: readonly ServerSpec[],
  ): { request: Omit<ReconfigRequest, "curConfigId">; what: string } | null {
    const participants = servers.filter((s) => s.role === "participant");
    const observers = servers.filter((s) => s.role === "observer");
    const outside = this.host.ids.filter((id) => !servers.some((s) => s.id === id));
    const joins: { line: string; what: string }[] = [];
    const leaves: { id: number; what: string }[] = [];
    const line = (id: number, role: ServerSpec["role"]) => serverLine(simServerSpec(id, role));
    for (const id of outside) {
      joins.push({ line: line(id, "participant"), what: `m${id} joins as participant` });
      joins.push({ line: line(id, "observer"), what: `m${id} joins as observer` });
    }
    for (const s of observers) {
      joins.push({ line: line(s.id, "participant"), what: `m${s.id} becomes participant` });
      leaves.push({ id: s.id, what: `m${s.id} leaves` });
    }
    if (participants.length > 3) {
      for (const s of participants) {
        joins.push({ line: line(s.id, "observer"), what: `m${s.id} becomes observer` });
        leaves.push({ id: s.id, what: `m${s.id} leaves` });
      }
    }
    const none = { joiningServers: null, leavingServers: null, newMembers: null };
    const total = joins.length + leaves.length;
    if (total === 0) return null;
    const k = this.random.below(total);
    if (k < joins.length) {
      const j = joins[k];
      // Now and then a member leaves in the same request (never the one joining).
      const also = leaves.filter((l) => !j.line.startsWith(`server.${l.id}=`));
      if (also.length > 0 && this.random.chance(0.2)) {
        const l = this.random.pick(also);
        return {
          request: { ...none, joiningServers: j.line, leavingServers: String(l.id) },
          what: `${j.what}, ${l.what}`,
        };
      }
      return { request: { ...none, joiningServers: j.line }, what: j.what };
    }
    const l = leaves[k - joins.length];
    return { request: { ...none, leavingServers: String(l.id) }, what: l.what };
  }

  private answered(err: number, zxid: number, r: Reader): void {
    const planned = this.planned.shift()!;
    if (err === ErrorCode.ok) {
      const text = Buffer.from(readResponseBody(r, OpCode.reconfig).data ?? []).toString("utf8");
      this.host.trace(`${this.name} reconfig ${planned.what}: OK at ${zxid}: ${oneLine(text)}`);
      if (planned.stale) {
        this.host.fail(`${this.name}: reconfig with a stale fromConfig answered OK at ${zxid}`);
        return;
      }
      this.host.ledger.ok(this.name, zxid, text);
      if (planned.expected !== null) {
        const asked = planned.expected.map(serverLine).join("\n");
        const got = parseDynamicConfig(text).servers.map(serverLine).join("\n");
        if (asked !== got) {
          this.host.fail(
            `${this.name}: reconfig (${planned.what}) answered OK with ${oneLine(text)}, not the membership asked for`,
          );
        }
      }
      return;
    }
    this.host.trace(`${this.name} reconfig ${planned.what}: refused ${err} at ${zxid}`);
    const allowed: number[] = planned.stale
      ? [ErrorCode.badVersion, ErrorCode.reconfigInProgress]
      : [ErrorCode.badVersion, ErrorCode.reconfigInProgress, ErrorCode.newConfigNoQuorum];
    if (!allowed.includes(err)) {
      this.host.fail(`${this.name}: reconfig (${planned.what}) answered ${err}`);
      return;
    }
    this.host.ledger.refusedAt(this.name, zxid);
  }

  ended(link: SimClientLink): void {
    if (link !== this.link) return;
    for (const p of this.planned) this.host.trace(`${this.name} reconfig ${p.what} uncertain`);
    this.planned.length = 0;
    this.outstanding.length = 0;
    this.link = null;
    this.phase = Phase.disconnected;
  }
}
