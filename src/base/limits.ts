// Every limit Corral enforces, named in one place. Units are the last word of each name.
// Configuration may override some of these at start-up; the relations between them are
// checked by checkLimits() so that nonsense is refused before a member starts.

/** ZooKeeper's jute.maxbuffer default: the largest frame a client may send or receive. */
export const packetBytesMaxDefault = 0xfffff;

/** Extra room ZooKeeper allows inside a frame for a buffer or string beyond maxbuffer. */
export const packetBytesExtraMin = 1024;

/** Length of a session password, fixed by the protocol. */
export const sessionPasswordBytes = 16;

/** Largest TTL a TTL node may carry (ZooKeeper packs it into 40 bits of ephemeralOwner). */
export const ttlMsMax = 2 ** 40 - 1;

export interface Limits {
  packetBytesMax: number;
}

export function checkLimits(limits: Limits): void {
  if (!Number.isSafeInteger(limits.packetBytesMax) || limits.packetBytesMax < 1024) {
    throw new RangeError(`packetBytesMax must be an integer >= 1024, got ${limits.packetBytesMax}`);
  }
}

/**
 * Largest first frame (the ConnectRequest) a connection may send. A real ConnectRequest is
 * 44 to 49 bytes; this bound stops a connection that has not even opened a session from
 * making the member buffer up to jute.maxbuffer for it.
 */
export const handshakeFrameBytesMax = 4096;
