// Building peer messages. Every message is created here with every field in the same order,
// so all messages share one hidden class and the code handling them stays monomorphic.
import {
  type Entry,
  emptyEntries,
  type Message,
  type MessageType,
  messageTypeNames,
  type NodeId,
  type SnapshotChunk,
} from "./types.js";

export interface MessageFields {
  logTerm?: number;
  index?: number;
  entries?: readonly Entry[];
  commit?: number;
  reject?: boolean;
  rejectHint?: number;
  context?: number;
  snapshot?: SnapshotChunk | null;
}

export function makeMessage(
  type: MessageType,
  from: NodeId,
  to: NodeId,
  term: number,
  f: MessageFields,
): Message {
  return {
    type,
    from,
    to,
    term,
    logTerm: f.logTerm ?? 0,
    index: f.index ?? 0,
    entries: f.entries ?? emptyEntries,
    commit: f.commit ?? 0,
    reject: f.reject ?? false,
    rejectHint: f.rejectHint ?? 0,
    context: f.context ?? 0,
    snapshot: f.snapshot ?? null,
  };
}

/** A one-line description for traces: "App 1->2 t3 i5/t2 +3 c4". */
export function describeMessage(m: Message): string {
  let s = `${messageTypeNames[m.type]} ${m.from}->${m.to} t${m.term}`;
  if (m.index !== 0 || m.logTerm !== 0) s += ` i${m.index}/t${m.logTerm}`;
  if (m.entries.length > 0) s += ` +${m.entries.length}`;
  if (m.commit !== 0) s += ` c${m.commit}`;
  if (m.reject) s += ` reject hint=${m.rejectHint}`;
  if (m.context !== 0) s += ` ctx${m.context}`;
  if (m.snapshot !== null) {
    const c = m.snapshot;
    s += ` snap@${c.meta.index} [${c.offset},${c.offset + c.data.length})/${c.totalBytes}`;
  }
  return s;
}
