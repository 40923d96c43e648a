// Reply shaping: a decoded reply body (response-codec.ts) turned into the value the public
// method promises, by the opcode the request was sent with. Paths lose the chroot on the way
// back, absent lists and data become empty ones, and data is copied out of the received
// chunk. A failed multi arrives with err 0 in its header and the failure in its results, so
// shapeMulti throws the first failing operation's error for the pipeline to reject with.
//
// Pure functions: what a reply does to the client's own state (watches set or removed) is
// the client's business, done after shaping succeeds.

import { Buffer } from "node:buffer";
import { ErrorCode, OpCode } from "../protocol/constants.js";
import type {
  Create2Response,
  CreateResponse,
  GetACLResponse,
  GetAllChildrenNumberResponse,
  GetChildren2Response,
  GetChildrenResponse,
  GetDataResponse,
  GetEphemeralsResponse,
  MultiResult,
  PathRequest,
  StatResponse,
  WhoAmIResponse,
} from "../protocol/records.js";
import { errorForCode } from "./errors.js";
import { stripChroot } from "./paths.js";
import type { Request } from "./request.js";
import type { OpResult, ReadOpResult } from "./transaction.js";

const emptyData = Buffer.alloc(0);

/** The public value of a successful reply to `req`; throws for a failed multi. */
export function shapeReply(req: Request, body: unknown, chroot: string): unknown {
  switch (req.opcode) {
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL: {
      const b = body as Create2Response;
      return { path: stripChroot(chroot, b.path), stat: b.stat };
    }
    case OpCode.create:
      return { path: stripChroot(chroot, (body as CreateResponse).path), stat: null };
    case OpCode.exists:
    case OpCode.setData:
    case OpCode.setACL:
      return (body as StatResponse).stat;
    case OpCode.getData:
    case OpCode.reconfig: {
      const b = body as GetDataResponse;
      // Copied so the caller does not pin the whole received chunk in memory.
      return { data: b.data === null ? emptyData : Buffer.from(b.data), stat: b.stat };
    }
    case OpCode.getACL: {
      const b = body as GetACLResponse;
      return { acl: b.acl ?? [], stat: b.stat };
    }
    case OpCode.getChildren:
      return (body as GetChildrenResponse).children ?? [];
    case OpCode.getChildren2: {
      const b = body as GetChildren2Response;
      return { children: b.children ?? [], stat: b.stat };
    }
    case OpCode.sync:
      return stripChroot(chroot, (body as PathRequest).path);
    case OpCode.getEphemerals:
      return (body as GetEphemeralsResponse).ephemerals.map((p) => stripChroot(chroot, p));
    case OpCode.getAllChildrenNumber:
      return (body as GetAllChildrenNumberResponse).totalNumber;
    case OpCode.whoAmI:
      return (body as WhoAmIResponse).clientInfo;
    case OpCode.multi:
      return shapeMulti(body as MultiResult[], req.extra as string[], chroot);
    case OpCode.multiRead:
      return shapeMultiRead(body as MultiResult[], req.extra as string[]);
    default:
      return undefined;
  }
}

/**
 * Each operation's outcome; `paths` are the operations' client paths, for the errors. Throws
 * the first failing operation's error, carrying every outcome in `opResults`.
 */
export function shapeMulti(results: MultiResult[], paths: string[], chroot: string): OpResult[] {
  const out: OpResult[] = [];
  let failed = -1;
  let failedCode = 0;
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    switch (r.type) {
      case OpCode.create:
        out.push({ type: "create", path: stripChroot(chroot, r.response.path), stat: null });
        break;
      case OpCode.create2:
        out.push({
          type: "create",
          path: stripChroot(chroot, r.response.path),
          stat: r.response.stat,
        });
        break;
      case OpCode.delete:
        out.push({ type: "delete" });
        break;
      case OpCode.check:
        out.push({ type: "check" });
        break;
      case OpCode.setData:
        out.push({ type: "setData", stat: r.response.stat });
        break;
      case OpCode.error: {
        out.push({ type: "error", error: errorForCode(r.err, paths[i]) });
        if (failed < 0 && r.err !== ErrorCode.ok && r.err !== ErrorCode.runtimeInconsistency) {
          failed = i;
          failedCode = r.err;
        }
        break;
      }
      default:
        out.push({ type: "error", error: errorForCode(ErrorCode.marshallingError, paths[i]) });
    }
  }
  if (failed >= 0) {
    const error = errorForCode(failedCode, paths[failed]);
    error.opResults = out;
    error.failedOpIndex = failed;
    // Thrown through the promise: the caller sees the first failing operation's error.
    throw error;
  }
  return out;
}

/** Each read's outcome: each succeeds or fails on its own, so nothing is thrown. */
export function shapeMultiRead(results: MultiResult[], paths: string[]): ReadOpResult[] {
  const out: ReadOpResult[] = [];
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    if (r.type === OpCode.getData) {
      const data = r.response.data === null ? emptyData : Buffer.from(r.response.data);
      out.push({ type: "getData", data, stat: r.response.stat });
    } else if (r.type === OpCode.getChildren) {
      out.push({ type: "getChildren", children: r.response.children ?? [] });
    } else if (r.type === OpCode.error) {
      out.push({ type: "error", error: errorForCode(r.err, paths[i]) });
    }
  }
  return out;
}
