// The member's own messages between members, beside the Raft core's, in the body format of
// server/peer-codec.ts (which also holds kind 0, the Raft messages). Decoding is
// hostile-input safe: a malformed body raises PeerDecodeError only.
//
// Payloads (after the kind byte; uint and bytes as peer-codec.ts defines them):
//
//   kind 16 forward: uint term the sender believes the receiver leads in, u32 count, then
//                    count x bytes: enveloped state entries to propose, in order (not empty)
//   kind 17 touches: u32 count, then count x uint: sessions the sender heard from (not 0)
//   kind 18 transfer: uint term the sender believes the receiver leads in, uint target:
//                    the voter an operator asked to lead, 0 for the leader's own choice
//                    (server/leadership-transfer.ts)
//   kind 19 reconfig order: a client's reconfig request on its way to the leader
//                    (its layout is in server/reconfig-order.ts)
import { PeerDecodeError, type PeerReader, type PeerWriter } from "./peer-codec.js";

export const MemberKind = {
  forward: 16,
  touches: 17,
  transfer: 18,
  reconfigOrder: 19,
} as const;

export interface TransferMessage {
  readonly term: number;
  /** The member asked to lead, or 0 for the best-placed voter. */
  readonly target: number;
}

export interface ForwardMessage {
  readonly term: number;
  /** Views into the reader's own copy of the body: the receiver may keep them. */
  readonly entries: Uint8Array[];
}

export function encodeForward(
  w: PeerWriter,
  term: number,
  entries: readonly Uint8Array[],
): Uint8Array {
  w.begin(MemberKind.forward);
  w.uint(term);
  w.u32(entries.length);
  for (const e of entries) w.bytes(e);
  return w.finish();
}

export function encodeTouches(w: PeerWriter, ids: readonly number[]): Uint8Array {
  w.begin(MemberKind.touches);
  w.u32(ids.length);
  for (const id of ids) w.uint(id);
  return w.finish();
}

export function encodeTransfer(w: PeerWriter, term: number, target: number): Uint8Array {
  w.begin(MemberKind.transfer);
  w.uint(term);
  w.uint(target);
  return w.finish();
}

/** Reads a transfer payload; `r` was reset on the body and returned kind 18. */
export function readTransfer(r: PeerReader): TransferMessage {
  const term = r.uint();
  const target = r.uint();
  r.end();
  return { term, target };
}

/** Reads a forward's payload; `r` was reset on the body and returned kind 16. */
export function readForward(r: PeerReader): ForwardMessage {
  const term = r.uint();
  const n = r.count(5);
  const entries: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.offset;
    const e = r.bytes();
    if (e.length === 0) throw new PeerDecodeError("value", "empty forwarded entry", at);
    entries.push(e);
  }
  r.end();
  return { term, entries };
}

/** Reads a touches payload; `r` was reset on the body and returned kind 17. */
export function readTouches(r: PeerReader): number[] {
  const n = r.count(8);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.offset;
    const id = r.uint();
    if (id === 0) throw new PeerDecodeError("value", "session id 0", at);
    ids.push(id);
  }
  r.end();
  return ids;
}
