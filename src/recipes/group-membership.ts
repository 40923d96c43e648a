// Group membership (Curator's GroupMember) and service discovery on top of it. A member is
// an ephemeral node "<group>/<memberId>" holding its payload; it disappears with the
// member's session, and the member puts it back after a session renewal. Everyone can watch
// the membership through a ChildrenCache.
//
// ServiceDiscovery stores each instance as JSON under "<base>/<service>/<instanceId>", as
// Curator's ServiceDiscovery does (shape simplified: id, name, address, port, payload).

import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "../client/client.js";
import { NodeExistsError, NoNodeError } from "../client/errors.js";
import type { ConnectionState } from "../client/types.js";
import { ChildrenCache } from "./children-cache.js";
import { ensurePath } from "./support.js";

export type GroupMemberEvents = { error: [unknown]; rejoined: [] };

export class GroupMember extends EventEmitter<GroupMemberEvents> {
  private joined = false;
  private payload: Buffer;
  private readonly cache: ChildrenCache;
  private readonly onState = (state: ConnectionState): void => {
    if (state === "connected" && this.joined) {
      this.create()
        .then(() => this.emit("rejoined"))
        .catch((e) => {
          if (this.listenerCount("error") > 0) this.emit("error", e);
        });
    }
  };

  constructor(
    readonly client: ZooKeeperClient,
    readonly groupPath: string,
    readonly memberId: string,
    payload: Uint8Array | string = "",
  ) {
    super();
    this.payload = Buffer.from(payload);
    this.cache = new ChildrenCache(client, groupPath);
  }

  get path(): string {
    return `${this.groupPath}/${this.memberId}`;
  }

  /** Joins the group (creates the member node) and starts watching the membership. */
  async join(): Promise<void> {
    await ensurePath(this.client, this.groupPath);
    this.joined = true;
    this.client.on("state", this.onState);
    await this.create();
    await this.cache.start();
  }

  /** The current members and their payloads (from the watched cache). */
  members(): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    for (const [name, node] of this.cache.current) out.set(name, node.data);
    return out;
  }

  /** The membership cache, for childAdded/childRemoved events. */
  get membership(): ChildrenCache {
    return this.cache;
  }

  async setPayload(payload: Uint8Array | string): Promise<void> {
    this.payload = Buffer.from(payload);
    await this.client.setData(this.path, this.payload);
  }

  async leave(): Promise<void> {
    this.joined = false;
    this.client.off("state", this.onState);
    await this.cache.close();
    await this.client.delete(this.path).catch((e) => {
      if (!(e instanceof NoNodeError)) throw e;
    });
  }

  private async create(): Promise<void> {
    try {
      await this.client.create(this.path, this.payload, { mode: "ephemeral" });
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
      // Ours from this session (a retried create), or a stale one of an old session that
      // the server has not expired yet: in the second case wait for it to go.
      const stat = await this.client.exists(this.path);
      if (stat !== null && stat.ephemeralOwner !== this.client.sessionOwner) {
        throw new NodeExistsError(
          this.path,
          `member id ${this.memberId} is taken by another session`,
        );
      }
    }
  }
}

export interface ServiceInstance<P = unknown> {
  id: string;
  name: string;
  address: string;
  port: number;
  payload?: P;
  registeredAtMs: number;
}

export class ServiceDiscovery {
  private readonly registered = new Map<string, GroupMember>();
  private readonly caches = new Map<string, ChildrenCache>();

  constructor(
    readonly client: ZooKeeperClient,
    readonly basePath = "/services",
  ) {}

  async register<P>(instance: Omit<ServiceInstance<P>, "registeredAtMs">): Promise<void> {
    const full: ServiceInstance<P> = { ...instance, registeredAtMs: Date.now() };
    const member = new GroupMember(
      this.client,
      `${this.basePath}/${instance.name}`,
      instance.id,
      JSON.stringify(full),
    );
    await member.join();
    this.registered.set(`${instance.name}/${instance.id}`, member);
  }

  async unregister(name: string, id: string): Promise<void> {
    const key = `${name}/${id}`;
    await this.registered.get(key)?.leave();
    this.registered.delete(key);
  }

  /** The instances of a service, read once. */
  async instances<P = unknown>(name: string): Promise<ServiceInstance<P>[]> {
    const dir = `${this.basePath}/${name}`;
    let ids: string[];
    try {
      ids = await this.client.getChildren(dir);
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
    const out: ServiceInstance<P>[] = [];
    for (const id of ids.sort()) {
      try {
        out.push(JSON.parse((await this.client.getData(`${dir}/${id}`)).data.toString()));
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
    }
    return out;
  }

  /** A watched view of one service's instances. */
  async watch(name: string): Promise<ChildrenCache> {
    let cache = this.caches.get(name);
    if (cache === undefined) {
      await ensurePath(this.client, `${this.basePath}/${name}`);
      cache = new ChildrenCache(this.client, `${this.basePath}/${name}`);
      await cache.start();
      this.caches.set(name, cache);
    }
    return cache;
  }

  async close(): Promise<void> {
    for (const m of this.registered.values()) await m.leave();
    for (const c of this.caches.values()) await c.close();
    this.registered.clear();
    this.caches.clear();
  }
}
