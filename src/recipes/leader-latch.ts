// Leader election, latch style (Curator's LeaderLatch): every participant keeps an ephemeral
// sequential node in one directory; the lowest is the leader until it closes, its session
// ends, or it is suspended. Participants wait on their predecessor only.
//
// Failure handling: on "suspended" the leader stops claiming leadership (it cannot know
// whether it still holds the node); on "reconnected" it checks again (the session survived,
// so the node did too). On "lost"/"expired" the node is gone: the latch joins again with
// a new node once the client has a new session. Every period of leadership has a fencing
// token (the node's czxid), larger than any earlier leader's.

import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import { isRetriable, NoNodeError } from "../client/errors.js";
import type { ConnectionState } from "../client/types.js";
import { Contender } from "./contender.js";
import { ensurePath, waitable } from "./support.js";

export type LeaderLatchEvents = { isLeader: [token: number]; notLeader: []; error: [unknown] };

export class LeaderLatch extends EventEmitter<LeaderLatchEvents> {
  private readonly contender: Contender;
  private nodePath: string | null = null;
  /** The session that made nodePath: a node of an earlier session is gone with it. */
  private nodeSession = 0n;
  private leaderToken = 0;
  private leading = false;
  private closed = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly stopper = new AbortController();
  private readonly onState = (state: ConnectionState): void => this.stateChanged(state);

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly participantId = "",
  ) {
    super();
    this.contender = new Contender(client, path, "latch-");
  }

  /** Joins the election; leadership is reported by events and `awaitLeadership`. */
  start(): void {
    if (this.running !== null) return;
    this.client.on("state", this.onState);
    this.running = this.run();
  }

  get hasLeadership(): boolean {
    return this.leading;
  }

  /** Fencing token of the current leadership (0 when not leading). */
  get token(): number {
    return this.leading ? this.leaderToken : 0;
  }

  /** Resolves when this participant leads (rejects on abort). */
  awaitLeadership(signal?: AbortSignal): Promise<number> {
    if (this.leading) return Promise.resolve(this.leaderToken);
    return new Promise((resolve, reject) => {
      const onLeader = (token: number): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve(token);
      };
      const onAbort = (): void => {
        this.off("isLeader", onLeader);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort);
      this.once("isLeader", onLeader);
    });
  }

  /** The participant ids in election order (the leader first). */
  async participants(): Promise<string[]> {
    const names = await this.contender.contenders();
    const out: string[] = [];
    for (const n of names) {
      try {
        out.push((await this.client.getData(`${this.path}/${n}`)).data.toString());
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
    }
    return out;
  }

  /** Leaves the election (relinquishing leadership) and deletes the node. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.off("state", this.onState);
    this.setLeader(false);
    this.stopper.abort(new Error("latch closed"));
    this.wake?.();
    // The loop may be waiting on a request that a disconnected client holds until it
    // reconnects; closing must not wait for that.
    await Promise.race([
      this.running?.catch(() => {}),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
    if (this.nodePath !== null) await this.contender.deleteQuietly(this.nodePath);
    this.nodePath = null;
  }

  private stateChanged(state: ConnectionState): void {
    if (state === "suspended" || state === "lost" || state === "expired") this.setLeader(false);
    this.wake?.();
  }

  private setLeader(leading: boolean, token = 0): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (leading) {
      this.leaderToken = token;
      this.emit("isLeader", token);
    } else {
      this.emit("notLeader");
    }
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        await this.client.waitConnected({ signal: this.stopper.signal });
        if (this.closed) break;
        if (this.nodeSession !== this.client.sessionId) this.nodePath = null;
        if (this.nodePath === null) {
          this.nodeSession = this.client.sessionId;
          this.nodePath = await this.createNode();
          if (this.closed) break;
        }
        await this.checkOnce();
      } catch (e) {
        if (this.closed) break;
        if (e instanceof NoNodeError) this.nodePath = null;
        else if (!isRetriable(e) && this.listenerCount("error") > 0) this.emit("error", e);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async createNode(): Promise<string> {
    const name = this.participantId;
    const created = await this.client
      .create(`${this.path}/latch-`, name, { mode: "ephemeralSequential" })
      .catch(async (e) => {
        if (!(e instanceof NoNodeError)) throw e;
        await ensurePath(this.client, this.path);
        return this.client.create(`${this.path}/latch-`, name, { mode: "ephemeralSequential" });
      });
    return created.path;
  }

  /** One look at the order: lead, or wait on the predecessor (or on a state change). */
  private async checkOnce(): Promise<void> {
    const own = this.nodePath;
    if (own === null) return;
    const name = own.slice(this.path.length + 1);
    const sorted = await this.contender.contenders();
    const index = sorted.indexOf(name);
    if (index < 0) throw new NoNodeError(own, "latch node vanished");
    const wait = waitable(undefined, undefined);
    this.wake = wait.trigger;
    if (index === 0) {
      const stat = await this.client.exists(own, { watch: wait.trigger });
      if (stat === null) throw new NoNodeError(own, "latch node vanished");
      if (this.client.connected) this.setLeader(true, stat.czxid);
    } else {
      this.setLeader(false);
      const before = `${this.path}/${sorted[index - 1]}`;
      if ((await this.client.exists(before, { watch: wait.trigger })) === null) wait.trigger();
    }
    await wait.promise;
    this.wake = null;
  }
}
