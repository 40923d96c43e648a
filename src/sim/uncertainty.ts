// What a simulated client cannot know after losing a connection: which of the writes it had
// sent but not seen answered were applied, and whether its session expired while it was
// silent. A session's writes reach the log in request order and what survives a crash is a
// prefix of the log, so the applied writes are a prefix of the unanswered ones; an expiry
// closes the session after whatever of them was applied. resolve() finds the candidate
// (acknowledged history, then a prefix, then perhaps the expiry) that matches the member's
// real subtree and sessions, and nothing else is accepted.
import { describeOp } from "./client-ops.js";
import type { ModelOp, SubtreeModel } from "./subtree-model.js";

/** Whether the session may have expired (the client went silent), or surely did. */
export const Expiry = { none: 0, maybe: 1, certain: 2 } as const;
export type Expiry = (typeof Expiry)[keyof typeof Expiry];

export interface Resolution {
  model: SubtreeModel;
  /** How many of the uncertain writes were applied. */
  applied: number;
  expired: boolean;
}

export class Uncertainty {
  /** Writes sent but not answered, in request order, with the session that sent each. */
  private ops: { op: ModelOp; sessionId: number }[] = [];
  expiry: Expiry = Expiry.none;
  expirySession = 0;

  get writes(): number {
    return this.ops.length;
  }

  /** Nothing uncertain that the next writes would depend on. */
  get settled(): boolean {
    return this.ops.length === 0 && this.expiry !== Expiry.certain;
  }

  add(op: ModelOp, sessionId: number): void {
    this.ops.push({ op, sessionId });
  }

  /**
   * The first candidate whose view equals `real`, or a description of what was tried. The
   * writes are forgotten once resolved; a possible expiry stays possible until it is seen
   * to have happened, or the caller clears it (the session was resumed).
   */
  resolve(
    model: SubtreeModel,
    knownSessions: readonly number[],
    real: string,
  ): Resolution | string {
    const expiries =
      this.expiry === Expiry.none ? [false] : this.expiry === Expiry.maybe ? [false, true] : [true];
    const prefix = model.clone();
    for (let applied = 0; applied <= this.ops.length; applied++) {
      if (applied > 0) prefix.apply(this.ops[applied - 1].op, this.ops[applied - 1].sessionId);
      for (const expired of expiries) {
        const candidate = expired ? prefix.clone() : prefix;
        if (expired) candidate.apply({ kind: "closeSession" }, this.expirySession);
        if (candidate.view(knownSessions) !== real) continue;
        this.ops = [];
        if (expired) this.expiry = Expiry.none;
        return { model: candidate, applied, expired };
      }
    }
    const expiry = this.expiry === Expiry.none ? "" : ` and the expiry of ${this.expirySession}`;
    return `${this.ops.length} uncertain operations [${this.ops.map((u) => describeOp(u.op)).join("; ")}]${expiry}`;
  }
}
