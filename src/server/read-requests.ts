// Answers the requests a member serves from its local tree without the log: reads, watch
// registration and removal, whoAmI, getEphemerals and multiRead. Each returns the reply frame
// (a view into the writer); a malformed body throws DecodeError for the caller to answer
// with MarshallingError. Watches are registered only as ZooKeeper does: exists always (even
// on NoNode), getData/getChildren only on success (§6.3, §6.4).
import { assert } from "../base/assert.js";
import { ErrorCode, OpCode } from "../protocol/constants.js";
import type { Reader } from "../protocol/reader.js";
import type { Id } from "../protocol/records.js";
import { readRequestBody } from "../protocol/request-codec.js";
import { encodeReply, encodeReplyHeader, type ResponseOpcode } from "../protocol/response-codec.js";
import type { Writer } from "../protocol/writer.js";
import type { DataTree } from "../tree/data-tree.js";
import * as reads from "../tree/reads.js";
import type { Delivery, WatchRegistry } from "../tree/watch-registry.js";

export interface ReadContext {
  tree: DataTree;
  watches: WatchRegistry;
  writer: Writer;
  /** The member's last applied zxid: the reply zxid of every read. */
  zxid: number;
  /** The asking connection, its session and its authenticated ids. */
  connection: number;
  sessionId: number;
  ids: readonly Id[];
  /** The ids ACL checks see: `ids`, or with skipACL the super identity alone (skip-acl.ts). */
  aclIds: readonly Id[];
  /** Sends a setWatches catch-up event before the reply. */
  notify(delivery: Delivery): void;
}

/** A reply frame: the record on success, the header alone for an error code. */
function answer(
  c: ReadContext,
  xid: number,
  opcode: ResponseOpcode,
  res: object | number,
): Uint8Array {
  if (typeof res === "number") return encodeReplyHeader(c.writer, xid, c.zxid, res);
  return encodeReply(c.writer, xid, c.zxid, 0, opcode, res as never);
}

export function answerRead(c: ReadContext, r: Reader, opcode: number, xid: number): Uint8Array {
  // Every check uses aclIds; whoami alone answers with the connection's own ids.
  const { tree, aclIds, watches, connection } = c;
  switch (opcode) {
    case OpCode.exists: {
      const req = readRequestBody(r, OpCode.exists);
      const res = reads.exists(tree, req.path, aclIds);
      if (req.watch && (typeof res !== "number" || res === ErrorCode.noNode)) {
        watches.addDataWatch(connection, req.path);
      }
      return answer(c, xid, OpCode.exists, typeof res === "number" ? res : { stat: res });
    }
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2: {
      const req = readRequestBody(r, opcode);
      const res =
        opcode === OpCode.getData
          ? reads.getData(tree, req.path, aclIds)
          : opcode === OpCode.getChildren
            ? reads.getChildren(tree, req.path, aclIds)
            : reads.getChildren2(tree, req.path, aclIds);
      if (req.watch && typeof res !== "number") {
        if (opcode === OpCode.getData) watches.addDataWatch(connection, req.path);
        else watches.addChildWatch(connection, req.path);
      }
      return answer(c, xid, opcode, res);
    }
    case OpCode.getACL:
      return answer(c, xid, opcode, reads.getAcl(tree, readRequestBody(r, opcode).path, aclIds));
    case OpCode.getAllChildrenNumber: {
      const path = readRequestBody(r, opcode).path;
      return answer(c, xid, opcode, reads.getAllChildrenNumber(tree, path, aclIds));
    }
    case OpCode.getEphemerals: {
      const prefix = readRequestBody(r, opcode).prefixPath;
      return answer(c, xid, opcode, { ephemerals: reads.getEphemerals(tree, c.sessionId, prefix) });
    }
    case OpCode.multiRead:
      return answer(c, xid, opcode, reads.multiRead(tree, readRequestBody(r, opcode), aclIds));
    case OpCode.whoAmI: {
      // ZooKeeper keeps a set; it lists the address id last, and so do we.
      const ordered = [
        ...c.ids.filter((id) => id.scheme !== "ip"),
        ...c.ids.filter((id) => id.scheme === "ip"),
      ];
      const clientInfo = ordered.map((id) => ({ authScheme: id.scheme, user: whoAmIUser(id) }));
      return answer(c, xid, opcode, { clientInfo });
    }
    case OpCode.setWatches:
    case OpCode.setWatches2: {
      const req = readRequestBody(r, opcode);
      // Catch-up events go out before the reply (§11.4).
      for (const d of watches.setWatches(connection, req, tree)) c.notify(d);
      return answer(c, xid, opcode, ErrorCode.ok);
    }
    case OpCode.addWatch: {
      const req = readRequestBody(r, OpCode.addWatch);
      if (req.mode !== 0 && req.mode !== 1)
        return answer(c, xid, opcode, ErrorCode.marshallingError);
      watches.addPersistentWatch(connection, req.path, req.mode === 1);
      return answer(c, xid, opcode, { err: 0 });
    }
    case OpCode.checkWatches:
    case OpCode.removeWatches: {
      const req = readRequestBody(r, opcode);
      const remove = opcode === OpCode.removeWatches;
      return answer(c, xid, opcode, watches.checkOrRemove(connection, req.path, req.type, remove));
    }
    default:
      assert(false, `read dispatch for opcode ${opcode}`);
  }
}

/** whoAmI's user: the digest user name, the address for ip, "" for schemes without one. */
function whoAmIUser(id: Id): string {
  if (id.scheme === "digest") return id.id.slice(0, id.id.indexOf(":"));
  if (id.scheme === "super") return "";
  return id.id;
}
