// ZooKeeper's globalOutstandingLimit, counted on the wire. A request frame whose xid is
// positive is outstanding from the moment it is read until a reply frame with a positive
// xid goes back on the same connection (pings, auth and watch notifications carry xids <= 0
// and are not counted, exactly as ZooKeeper's ServerCnxn counts them). When more requests
// than the limit are outstanding across the whole member, a connection that has one of its
// own outstanding stops being read until its own reply goes out: the pipelining client
// waits, while a client with nothing in flight is still read and served. This is the rule
// of ZooKeeper's ZooKeeperServer.shouldThrottle and ServerCnxn.incrOutstandingAndCheckThrottle
// / decrOutstandingAndCheckThrottle.
//
// Counting on the wire keeps the rule out of the request pipeline: the member never needs
// to know that a connection is throttled, and every listener of the member (plain and TLS)
// shares one throttle, as ZooKeeper's factories share one server.

export class RequestThrottle {
  /** Requests read and not yet answered, over every connection of the member. */
  outstanding = 0;

  /** @param outstandingMax globalOutstandingLimit; 0 or less disables throttling. */
  constructor(readonly outstandingMax: number) {}

  /** A connection with `connectionOutstanding` requests in flight must stop being read. */
  shouldThrottle(connectionOutstanding: number): boolean {
    return (
      this.outstandingMax > 0 && this.outstanding > this.outstandingMax && connectionOutstanding > 0
    );
  }
}
