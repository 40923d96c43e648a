// Codec micro-benchmark: encode and decode rates of the records on every request's path.
// A script, not a test: `npm run bench:codec` (optionally `-- <ms per case> <name filter>`;
// the default is 400 ms and every case).
// Each case runs a warm-up, then as many iterations as fit in the time budget, on one reused
// Reader or Writer, as the server and client use them. A checksum of the results keeps the
// work observable so the JIT cannot drop it.
//
// Profile (node --cpu-prof dist/bench/codec.js 2000 "decode RequestHeader+Create", Node 20):
// what remains is the price of the API, not waste: UTF-8 decoding of strings longer than 12
// bytes through Buffer.toString (~20%), the subarray view per byte buffer (~12%), and GC of
// the records themselves (~11%). Short ASCII strings are decoded and encoded by hand (the
// runtime call costs more than the loop) and multi headers are read in place.

import { Buffer } from "node:buffer";
import {
  type ConnectRequest,
  type CreateRequest,
  encodeConnectRequest,
  encodeNotification,
  encodeReply,
  encodeReplyHeader,
  encodeRequest,
  type GetDataResponse,
  OpCode,
  Reader,
  readConnectRequest,
  readReplyHeader,
  readRequestBody,
  readRequestHeader,
  readResponseBody,
  readWatcherEvent,
  type SetDataRequest,
  type Stat,
  type WatcherEvent,
  Writer,
} from "../src/protocol/index.js";

const budgetMs = Number(process.argv[2] ?? 400);
const filter = process.argv[3] ?? "";

const stat: Stat = {
  czxid: 4_294_967_301,
  mzxid: 4_294_967_333,
  ctime: 1_763_900_000_000,
  mtime: 1_763_900_012_345,
  version: 12,
  cversion: 3,
  aversion: 0,
  ephemeralOwner: 0,
  dataLength: 100,
  numChildren: 3,
  pzxid: 4_294_967_320,
};
const data100 = Buffer.alloc(100, 0x61);
const path = "/app/config/service-42/node";
const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const getDataRequest = { path, watch: true };
const getDataResponse: GetDataResponse = { data: data100, stat };
const createRequest: CreateRequest = { path, data: data100, acl, flags: 0 };
const setDataRequest: SetDataRequest = { path, data: data100, version: 12 };
const event: WatcherEvent = { type: 3, state: 3, path };
const connectRequest: ConnectRequest = {
  protocolVersion: 0,
  lastZxidSeen: 4_294_967_333,
  timeOut: 30_000,
  sessionId: 0x1000012d9080001n,
  passwd: Buffer.alloc(16, 7),
  readOnly: false,
};

const w = new Writer();
const r = new Reader();
let checksum = 0;

interface Case {
  name: string;
  run: () => void;
}

function frameOf(encode: (w: Writer) => Buffer): Buffer {
  return Buffer.from(encode(new Writer()));
}

const getDataFrame = frameOf((w) => encodeRequest(w, 7, OpCode.getData, getDataRequest));
const getDataReplyFrame = frameOf((w) =>
  encodeReply(w, 7, 4_294_967_333, 0, OpCode.getData, getDataResponse),
);
const createFrame = frameOf((w) => encodeRequest(w, 8, OpCode.create, createRequest));
const setDataFrame = frameOf((w) => encodeRequest(w, 9, OpCode.setData, setDataRequest));
const replyHeaderFrame = frameOf((w) => encodeReplyHeader(w, 9, 4_294_967_334, 0));
const notificationFrame = frameOf((w) => encodeNotification(w, -1, event));
const connectFrame = frameOf((w) => encodeConnectRequest(w, connectRequest));

const cases: Case[] = [
  {
    name: "encode RequestHeader+GetDataRequest",
    run: () => {
      checksum += encodeRequest(w, 7, OpCode.getData, getDataRequest).length;
    },
  },
  {
    name: "decode RequestHeader+GetDataRequest",
    run: () => {
      r.reset(getDataFrame, 4);
      const header = readRequestHeader(r);
      checksum += header.xid + readRequestBody(r, OpCode.getData).path.length;
    },
  },
  {
    name: "encode ReplyHeader+GetDataResponse (100 B)",
    run: () => {
      checksum += encodeReply(w, 7, 4_294_967_333, 0, OpCode.getData, getDataResponse).length;
    },
  },
  {
    name: "decode ReplyHeader+GetDataResponse (100 B)",
    run: () => {
      r.reset(getDataReplyFrame, 4);
      const header = readReplyHeader(r);
      checksum += header.xid + readResponseBody(r, OpCode.getData).stat.version;
    },
  },
  {
    name: "encode RequestHeader+CreateRequest",
    run: () => {
      checksum += encodeRequest(w, 8, OpCode.create, createRequest).length;
    },
  },
  {
    name: "decode RequestHeader+CreateRequest",
    run: () => {
      r.reset(createFrame, 4);
      const header = readRequestHeader(r);
      checksum += header.xid + readRequestBody(r, OpCode.create).flags;
    },
  },
  {
    name: "encode RequestHeader+SetDataRequest",
    run: () => {
      checksum += encodeRequest(w, 9, OpCode.setData, setDataRequest).length;
    },
  },
  {
    name: "decode RequestHeader+SetDataRequest",
    run: () => {
      r.reset(setDataFrame, 4);
      const header = readRequestHeader(r);
      checksum += header.xid + readRequestBody(r, OpCode.setData).version;
    },
  },
  {
    name: "encode ReplyHeader",
    run: () => {
      checksum += encodeReplyHeader(w, 9, 4_294_967_334, 0).length;
    },
  },
  {
    name: "decode ReplyHeader",
    run: () => {
      checksum += readReplyHeader(r.reset(replyHeaderFrame, 4)).err;
    },
  },
  {
    name: "encode notification (WatcherEvent)",
    run: () => {
      checksum += encodeNotification(w, -1, event).length;
    },
  },
  {
    name: "decode notification (WatcherEvent)",
    run: () => {
      r.reset(notificationFrame, 4);
      readReplyHeader(r);
      checksum += readWatcherEvent(r).type;
    },
  },
  {
    name: "encode ConnectRequest",
    run: () => {
      checksum += encodeConnectRequest(w, connectRequest).length;
    },
  },
  {
    name: "decode ConnectRequest",
    run: () => {
      checksum += readConnectRequest(r.reset(connectFrame, 4)).timeOut;
    },
  },
];

function measure(run: () => void): number {
  // Batches of 1000 keep the clock out of the loop.
  const batch = 1000;
  for (let i = 0; i < 20 * batch; i++) run();
  const start = process.hrtime.bigint();
  let done = 0;
  let elapsedNs = 0;
  while (elapsedNs < budgetMs * 1e6) {
    for (let i = 0; i < batch; i++) run();
    done += batch;
    elapsedNs = Number(process.hrtime.bigint() - start);
  }
  return (done / elapsedNs) * 1e9;
}

console.log(`corral codec benchmark, node ${process.version}, ${budgetMs} ms per case`);
for (const { name, run } of cases) {
  if (!name.includes(filter)) continue;
  const rate = measure(run);
  console.log(`${name.padEnd(46)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} ops/s`);
}
console.log(`(checksum ${checksum})`);
