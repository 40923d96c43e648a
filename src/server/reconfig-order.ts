// A client's reconfig request on its way to the leader, which alone may change the
// membership (server/reconfig-leader.ts). The member holding the client's connection keeps
// the request as a pending write under its own envelope tag and sends this order; the
// leader answers by proposing one reconfig entry under that same envelope (ZooKeeper's error,
// or the new membership), so the client is answered by the ordinary commit path wherever the
// entry was appended. A lost order (the leader changed) ends like a lost write: the member
// moves to a new epoch and closes the connection with the write still uncertain.
//
// Peer message kind 19 (server/peer-codec.ts's body format, after the kind byte):
//
//   uint term the sender believes the receiver leads in, u8 origin member, u32 origin
//   incarnation, uint tag, uint sessionId, f64 timeMs, u32 id count, then per id (string
//   scheme, string id), then for joining, leaving and newMembers: bool present (+ string),
//   then f64 curConfigId (-1 or a zxid)
import type { Id, ReconfigRequest } from "../protocol/records.js";
import { PeerDecodeError, type PeerReader, type PeerWriter } from "./peer-codec.js";
import { MemberKind } from "./peer-messages.js";

export const reconfigOrderKind = MemberKind.reconfigOrder;

export interface ReconfigOrder {
  /** The member holding the client's connection, its incarnation and the pending tag. */
  readonly member: number;
  readonly incarnation: number;
  readonly tag: number;
  readonly sessionId: number;
  readonly timeMs: number;
  /** The connection's authenticated ids (super included), for the ACL check. */
  readonly authIds: Id[];
  readonly request: ReconfigRequest;
}

function optional(w: PeerWriter, value: string | null): void {
  w.bool(value !== null);
  if (value !== null) w.string(value);
}

export function encodeReconfigOrder(w: PeerWriter, term: number, o: ReconfigOrder): Uint8Array {
  w.begin(reconfigOrderKind);
  w.uint(term);
  w.u8(o.member);
  w.u32(o.incarnation);
  w.uint(o.tag);
  w.uint(o.sessionId);
  w.f64(o.timeMs);
  w.u32(o.authIds.length);
  for (const id of o.authIds) {
    w.string(id.scheme);
    w.string(id.id);
  }
  optional(w, o.request.joiningServers);
  optional(w, o.request.leavingServers);
  optional(w, o.request.newMembers);
  w.f64(o.request.curConfigId);
  return w.finish();
}

/** Reads kind 19's payload; `r` was reset on the body. Malformed input: PeerDecodeError. */
export function readReconfigOrder(r: PeerReader): { term: number; order: ReconfigOrder } {
  const term = r.uint();
  const member = r.u8();
  const incarnation = r.u32();
  const tag = r.uint();
  const sessionId = r.uint();
  const timeMs = r.f64();
  const n = r.count(8);
  const authIds: Id[] = [];
  for (let i = 0; i < n; i++) {
    const scheme = r.string();
    authIds.push({ scheme, id: r.string() });
  }
  const read = (): string | null => (r.bool() ? r.string() : null);
  const joiningServers = read();
  const leavingServers = read();
  const newMembers = read();
  const at = r.offset;
  const curConfigId = r.f64();
  if (!Number.isSafeInteger(curConfigId) || curConfigId < -1) {
    throw new PeerDecodeError("value", `config id ${curConfigId}`, at);
  }
  r.end();
  return {
    term,
    order: {
      member,
      incarnation,
      tag,
      sessionId,
      timeMs,
      authIds,
      request: { joiningServers, leavingServers, newMembers, curConfigId },
    },
  };
}
