// ZooKeeper's numbers as named constants: opcodes, error codes, watch event types, keeper
// states, ACL permission bits, create modes and watcher types. Values come from ZooDefs,
// KeeperException, Watcher, CreateMode and AddWatchMode of ZooKeeper 3.5-3.9 (see
// zookeeper-protocol.md §5, §8, §11, §12). They are plain `as const` objects so that every
// layer, the client included, shares one spelling of each number.

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

export const ErrorCode = {
  ok: 0,
  systemError: -1,
  runtimeInconsistency: -2,
  dataInconsistency: -3,
  connectionLoss: -4,
  marshallingError: -5,
  unimplemented: -6,
  operationTimeout: -7,
  badArguments: -8,
  unknownSession: -12,
  newConfigNoQuorum: -13,
  reconfigInProgress: -14,
  apiError: -100,
  noNode: -101,
  noAuth: -102,
  badVersion: -103,
  noChildrenForEphemerals: -108,
  nodeExists: -110,
  notEmpty: -111,
  sessionExpired: -112,
  invalidCallback: -113,
  invalidACL: -114,
  authFailed: -115,
  sessionMoved: -118,
  notReadOnly: -119,
  ephemeralOnLocalSession: -120,
  noWatcher: -121,
  requestTimeout: -122,
  reconfigDisabled: -123,
  sessionClosedRequireSaslAuth: -124,
  quotaExceeded: -125,
  throttledOp: -127,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** ZooKeeper's own names for the codes (KeeperException.Code), for logs and client errors. */
export const errorCodeName: ReadonlyMap<number, string> = new Map([
  [0, "OK"],
  [-1, "SYSTEMERROR"],
  [-2, "RUNTIMEINCONSISTENCY"],
  [-3, "DATAINCONSISTENCY"],
  [-4, "CONNECTIONLOSS"],
  [-5, "MARSHALLINGERROR"],
  [-6, "UNIMPLEMENTED"],
  [-7, "OPERATIONTIMEOUT"],
  [-8, "BADARGUMENTS"],
  [-12, "UNKNOWNSESSION"],
  [-13, "NEWCONFIGNOQUORUM"],
  [-14, "RECONFIGINPROGRESS"],
  [-100, "APIERROR"],
  [-101, "NONODE"],
  [-102, "NOAUTH"],
  [-103, "BADVERSION"],
  [-108, "NOCHILDRENFOREPHEMERALS"],
  [-110, "NODEEXISTS"],
  [-111, "NOTEMPTY"],
  [-112, "SESSIONEXPIRED"],
  [-113, "INVALIDCALLBACK"],
  [-114, "INVALIDACL"],
  [-115, "AUTHFAILED"],
  [-118, "SESSIONMOVED"],
  [-119, "NOTREADONLY"],
  [-120, "EPHEMERALONLOCALSESSION"],
  [-121, "NOWATCHER"],
  [-122, "REQUESTTIMEOUT"],
  [-123, "RECONFIGDISABLED"],
  [-124, "SESSIONCLOSEDREQUIRESASLAUTH"],
  [-125, "QUOTAEXCEEDED"],
  [-127, "THROTTLEDOP"],
]);

export const EventType = {
  none: -1,
  nodeCreated: 1,
  nodeDeleted: 2,
  nodeDataChanged: 3,
  nodeChildrenChanged: 4,
  dataWatchRemoved: 5,
  childWatchRemoved: 6,
  persistentWatchRemoved: 7,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export const KeeperState = {
  unknown: -1,
  disconnected: 0,
  noSyncConnected: 1,
  syncConnected: 3,
  authFailed: 4,
  connectedReadOnly: 5,
  saslAuthenticated: 6,
  expired: -112,
  closed: 7,
} as const;
export type KeeperState = (typeof KeeperState)[keyof typeof KeeperState];

export const Perm = {
  read: 1,
  write: 2,
  create: 4,
  delete: 8,
  admin: 16,
  all: 31,
} as const;

/** The `flags` of a create request (CreateMode.toFlag()). */
export const CreateMode = {
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
  persistentWithTTL: 5,
  persistentSequentialWithTTL: 6,
} as const;
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

/** The `type` of checkWatches/removeWatches (Watcher.WatcherType). */
export const WatcherType = {
  children: 1,
  data: 2,
  any: 3,
  persistent: 4,
  persistentRecursive: 5,
} as const;
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

/** The `mode` of addWatch (AddWatchMode). */
export const AddWatchMode = {
  persistent: 0,
  persistentRecursive: 1,
} as const;
export type AddWatchMode = (typeof AddWatchMode)[keyof typeof AddWatchMode];

/** Special xids (zookeeper-protocol.md §4). */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;
