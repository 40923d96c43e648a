// The shapes of ZooKeeper's jute records (zookeeper.jute; zookeeper-protocol.md §3, §4, §6, §7,
// §11), as plain TypeScript interfaces shared by the codec, the state machine, the server and
// the client. Field names follow zookeeper.jute.
//
// Numbers: every jute `long` is a JS number (zxids are log indexes, times are milliseconds,
// TTLs stay below 2^40), exact up to 2^53. The one place a full 64-bit value must survive a
// round trip unchanged is a session id that a client echoes back on reconnect, so
// ConnectRequest.sessionId and ConnectResponse.sessionId are bigints. Elsewhere a long beyond
// 2^53 (a foreign server's ephemeralOwner) decodes to the nearest double, rounded once.
//
// Null: jute buffers, strings and vectors may be null (length -1), distinct from empty.

export interface Id {
  scheme: string;
  id: string;
}

export interface ACL {
  perms: number;
  id: Id;
}

export interface Stat {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: number;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

export interface ClientInfo {
  authScheme: string;
  user: string;
}

export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Uint8Array | null;
  /** Absent (undefined) for old clients that do not send the trailing byte. */
  readOnly: boolean | undefined;
}

export interface ConnectResponse {
  protocolVersion: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Uint8Array;
  /** Written only when defined: answer in the dialect the client spoke. */
  readOnly: boolean | undefined;
}

export interface RequestHeader {
  xid: number;
  type: number;
}

export interface ReplyHeader {
  xid: number;
  zxid: number;
  err: number;
}

export interface CreateRequest {
  path: string;
  data: Uint8Array | null;
  acl: ACL[] | null;
  flags: number;
}

export interface CreateTTLRequest extends CreateRequest {
  ttl: number;
}

export interface CreateResponse {
  path: string;
}

export interface Create2Response {
  path: string;
  stat: Stat;
}

export interface DeleteRequest {
  path: string;
  version: number;
}

/** ExistsRequest, GetDataRequest, GetChildrenRequest and GetChildren2Request share a layout. */
export interface PathWatchRequest {
  path: string;
  watch: boolean;
}

/** ExistsResponse, SetDataResponse and SetACLResponse share a layout. */
export interface StatResponse {
  stat: Stat;
}

export interface GetDataResponse {
  data: Uint8Array | null;
  stat: Stat;
}

export interface SetDataRequest {
  path: string;
  data: Uint8Array | null;
  version: number;
}

/** GetACLRequest, SyncRequest/SyncResponse, GetAllChildrenNumberRequest, DeleteContainerRequest. */
export interface PathRequest {
  path: string;
}

export interface GetACLResponse {
  acl: ACL[] | null;
  stat: Stat;
}

export interface SetACLRequest {
  path: string;
  acl: ACL[] | null;
  version: number;
}

export interface GetChildrenResponse {
  children: string[] | null;
}

export interface GetChildren2Response {
  children: string[] | null;
  stat: Stat;
}

export interface CheckVersionRequest {
  path: string;
  version: number;
}

export interface ReconfigRequest {
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  curConfigId: number;
}

export interface AuthPacket {
  type: number;
  scheme: string;
  auth: Uint8Array | null;
}

export interface SetWatches {
  relativeZxid: number;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
}

export interface SetWatches2 extends SetWatches {
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}

export interface AddWatchRequest {
  path: string;
  mode: number;
}

/** CheckWatchesRequest and RemoveWatchesRequest share a layout. */
export interface WatchesRequest {
  path: string;
  type: number;
}

export interface GetEphemeralsRequest {
  prefixPath: string | null;
}

export interface GetEphemeralsResponse {
  ephemerals: string[];
}

export interface GetAllChildrenNumberResponse {
  totalNumber: number;
}

export interface WhoAmIResponse {
  clientInfo: ClientInfo[];
}

export interface SASLToken {
  token: Uint8Array | null;
}

export interface ErrorResponse {
  err: number;
}

export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
}

export interface MultiHeader {
  type: number;
  done: boolean;
  err: number;
}

/** One operation inside a multi (14) or multiRead (22) request. */
export type MultiOp =
  | { type: 1 | 15 | 19; request: CreateRequest }
  | { type: 21; request: CreateTTLRequest }
  | { type: 2; request: DeleteRequest }
  | { type: 5; request: SetDataRequest }
  | { type: 13; request: CheckVersionRequest }
  | { type: 4 | 8; request: PathWatchRequest };

/** One result inside a multi response. `type` is the MultiHeader type (-1 for an error). */
export type MultiResult =
  | { type: 1; response: CreateResponse }
  | { type: 15; response: Create2Response }
  | { type: 2 | 13; response: null }
  | { type: 5; response: StatResponse }
  | { type: 8; response: GetChildrenResponse }
  | { type: 4; response: GetDataResponse }
  | { type: -1; err: number };
