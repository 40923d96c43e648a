// The ephemeral workload's client: it opens sessions, creates ephemeral nodes in them and
// now and then closes one, recording every create and what became of every session.
//
// A session's fate has to be known, not guessed, for the ephemeral check to mean anything:
// - closed: after close() the client resumes the session from a fresh connection (session
//   id and password); a server answering "expired" proves it ended. If the resume succeeds
//   instead, the close was not applied and the session lives on in the new client;
// - expired: the server said so (the client saw the "expired" state);
// - alive: at the end, after the listing was read, a write on the session succeeded;
// - unknown: anything else (a resume that timed out, an expiry learned too late).
// Sessions are not renewed automatically, so each session is one client object's life.
import type { ZooKeeperClient } from "../../src/client/client.js";
import type { SessionFate } from "../../src/sim/ephemeral-check.js";
import type { TestRng } from "../support/rng.js";
import { awaitConnection, type ClientSettings, newClient } from "./client-loop.js";
import { classifyError, type FaultHistory } from "./history.js";

interface HeldSession {
  client: ZooKeeperClient;
  sessionId: number;
  /** History time the client learned of its expiry, or -1. */
  expiredAtMs: number;
}

export class EphemeralClient {
  private held: HeldSession | null = null;
  private readonly fates = new Map<number, { fate: SessionFate; expiredAtMs: number }>();
  private created = 0;

  constructor(
    private readonly id: number,
    private readonly settings: ClientSettings,
    private readonly r: TestRng,
    private readonly history: FaultHistory,
    private readonly dir: string,
    private readonly aliveDir: string,
  ) {}

  /** Creates ephemerals until `untilMs`, keeping the last session open for finish(). */
  async run(untilMs: number): Promise<void> {
    const h = this.history;
    while (h.now() < untilMs) {
      const session = this.held ?? (await this.open(untilMs));
      if (session === null) continue;
      if (session.expiredAtMs >= 0 || session.client.closed) {
        this.drop(session);
        continue;
      }
      if (!(await awaitConnection(session.client, () => h.now(), untilMs))) continue;
      await this.createOne(session);
      if (this.r.chance(0.1)) await this.closeAndProbe(session, untilMs);
      await new Promise((resolve) => setTimeout(resolve, this.r.int(30)));
    }
  }

  private async open(untilMs: number): Promise<HeldSession | null> {
    const client = newClient(this.settings, this.r, { renewSessionOnExpiry: false });
    if (!(await awaitConnection(client, () => this.history.now(), untilMs))) {
      await client.close();
      return null;
    }
    return this.hold(client);
  }

  private hold(client: ZooKeeperClient): HeldSession {
    const session: HeldSession = { client, sessionId: client.sessionOwner, expiredAtMs: -1 };
    client.once("expired", () => {
      session.expiredAtMs = this.history.now();
    });
    if (!this.fates.has(session.sessionId)) {
      this.fates.set(session.sessionId, { fate: "unknown", expiredAtMs: -1 });
    }
    this.held = session;
    return session;
  }

  /** Forgets a session whose client is finished; an observed expiry is kept as its fate. */
  private drop(session: HeldSession): void {
    if (session.expiredAtMs >= 0) {
      this.fates.set(session.sessionId, { fate: "expired", expiredAtMs: session.expiredAtMs });
    }
    void session.client.close();
    if (this.held === session) this.held = null;
  }

  private async createOne(session: HeldSession): Promise<void> {
    const h = this.history;
    const path = `${this.dir}/e${this.id}-${this.created++}`;
    const invokeMs = h.now();
    try {
      await session.client.create(path, "", { mode: "ephemeral" });
      h.ephemeralCreates.push({
        sessionId: session.sessionId,
        path,
        invokeMs,
        outcome: "ok",
        completeMs: h.now(),
      });
    } catch (e) {
      const kind = classifyError(e);
      if (kind === "unexpected" || kind === "badVersion") h.noteAnomaly(`create ${path}`, e);
      h.ephemeralCreates.push({
        sessionId: session.sessionId,
        path,
        invokeMs,
        outcome: kind === "failed" ? "failed" : "indeterminate",
      });
    }
  }

  private async closeAndProbe(session: HeldSession, untilMs: number): Promise<void> {
    const id = session.client.sessionId;
    const password = session.client.sessionPassword;
    await session.client.close();
    this.held = null;
    if (session.expiredAtMs >= 0) {
      this.drop(session);
      return;
    }
    const probe = newClient(this.settings, this.r, {
      renewSessionOnExpiry: false,
      session: { id, password },
    });
    let ended = false;
    probe.once("expired", () => {
      ended = true;
    });
    const deadline = Math.max(untilMs, this.history.now() + this.settings.sessionTimeoutMs);
    const resumed = await awaitConnection(probe, () => this.history.now(), deadline);
    if (resumed && probe.sessionOwner === session.sessionId) {
      // The close was never applied: the session lives on in the probe.
      this.hold(probe);
      return;
    }
    await probe.close();
    if (ended) this.fates.set(session.sessionId, { fate: "closed", expiredAtMs: -1 });
  }

  /** Before the listing: gives the held session until `untilMs` to be connected. */
  async settle(untilMs: number): Promise<void> {
    const s = this.held;
    if (s !== null) await awaitConnection(s.client, () => this.history.now(), untilMs);
  }

  /**
   * After the listing: proves the held session alive with a write, then closes everything
   * and reports every session's fate to the history.
   */
  async finish(listStartMs: number, untilMs: number): Promise<void> {
    const h = this.history;
    const s = this.held;
    if (s !== null) {
      let alive = false;
      if (await awaitConnection(s.client, () => h.now(), untilMs)) {
        try {
          await s.client.create(`${this.aliveDir}/a${this.id}-${s.sessionId}`, "", {
            mode: "ephemeral",
          });
          alive = true;
        } catch {
          alive = false;
        }
      }
      if (alive) this.fates.set(s.sessionId, { fate: "alive", expiredAtMs: -1 });
      else this.drop(s);
      await s.client.close();
      this.held = null;
    }
    for (const [sessionId, f] of this.fates) {
      // An expiry learned after the listing began says nothing about the listing's moment.
      const fate = f.fate === "expired" && f.expiredAtMs >= listStartMs ? "unknown" : f.fate;
      h.sessions.push({ sessionId, client: this.id, fate });
    }
  }

  async close(): Promise<void> {
    if (this.held !== null) await this.held.client.close();
    this.held = null;
  }
}
