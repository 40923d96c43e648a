// The admin HTTP port: one node:http server that carries the AdminServer commands, the
// Prometheus scrape, the health checks and the dashboard, each a route registered by the
// module that owns it. This file owns only what every route shares: routing, JSON answers
// and errors, and the defences of a port that may face a hostile network.
//
// Defences, each with a limit named here: a request body larger than bodyBytesMax is refused
// with 413 before it is read further; headers must arrive within headersTimeoutMs and the
// whole request within requestTimeoutMs (slowloris); an idle keep-alive connection is closed
// after idleTimeoutMs (admin.idleTimeout); more than connectionsMax open connections and new
// ones are closed at once and counted. None of this touches the member: a hostile admin
// client costs at most its own connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "../base/logger.js";

export interface AdminServerOptions {
  host: string;
  port: number;
  idleTimeoutMs: number;
  connectionsMax?: number;
  bodyBytesMax?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export const adminConnectionsMaxDefault = 64;
export const adminBodyBytesMaxDefault = 2 * 1024 * 1024;
export const adminHeadersTimeoutMsDefault = 10_000;
export const adminRequestTimeoutMsDefault = 30_000;

export type RouteHandler = (request: AdminRequest) => void | Promise<void>;

/** One request as routes see it: the parsed URL and helpers that answer it. */
export class AdminRequest {
  constructor(
    readonly raw: IncomingMessage,
    readonly response: ServerResponse,
    readonly url: URL,
    private readonly bodyBytesMax: number,
  ) {}

  get method(): string {
    return this.raw.method ?? "GET";
  }

  header(name: string): string | undefined {
    const v = this.raw.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  /** Answers with `value` as JSON (ZooKeeper's AdminServer indents its answers too). */
  json(status: number, value: unknown, headers: Record<string, string> = {}): void {
    this.send(status, "application/json", `${JSON.stringify(value, null, 2)}\n`, headers);
  }

  /** A JSON error: `{"error": message}` with the status. */
  error(status: number, message: string, headers: Record<string, string> = {}): void {
    this.json(status, { error: message }, headers);
  }

  send(
    status: number,
    contentType: string,
    body: string | Uint8Array,
    headers: Record<string, string> = {},
  ): void {
    const res = this.response;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      "content-type": contentType,
      "content-length": typeof body === "string" ? Buffer.byteLength(body) : body.length,
      "cache-control": "no-store",
      ...headers,
    });
    res.end(body);
  }

  /**
   * Reads the whole body, refusing (413, connection closed) one longer than the limit as
   * soon as its length is known, from content-length or from the bytes so far.
   */
  body(): Promise<Buffer | null> {
    const declared = Number(this.raw.headers["content-length"] ?? "0");
    if (declared > this.bodyBytesMax) {
      this.tooLarge();
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let length = 0;
      let refused = false;
      this.raw.on("data", (chunk: Buffer) => {
        if (refused) return;
        length += chunk.length;
        if (length > this.bodyBytesMax) {
          refused = true;
          this.tooLarge();
          resolve(null);
          return;
        }
        chunks.push(chunk);
      });
      this.raw.on("end", () => {
        if (!refused) resolve(Buffer.concat(chunks, length));
      });
      this.raw.on("error", () => {
        if (!refused) resolve(null);
      });
    });
  }

  /** Reads a JSON object body; answers 400 (or 413) itself and returns null when it is not. */
  async jsonBody(): Promise<Record<string, unknown> | null> {
    const bytes = await this.body();
    if (bytes === null) return null;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch {
      this.error(400, "the body is not valid JSON");
      return null;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.error(400, "the body must be a JSON object");
      return null;
    }
    return value as Record<string, unknown>;
  }

  private tooLarge(): void {
    // The answer goes out, then the connection closes (connection: close); the rest of the
    // body is read and dropped meanwhile, so that closing does not reset the connection
    // under the answer before the client has read it.
    this.error(413, `the body exceeds ${this.bodyBytesMax} bytes`, { connection: "close" });
    this.raw.resume();
  }
}

interface Route {
  methods: readonly string[];
  handler: RouteHandler;
}

export class AdminServer {
  private readonly server: Server;
  private readonly exact = new Map<string, Route>();
  private readonly prefixes: { prefix: string; route: Route }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly bodyBytesMax: number;
  /** Connections closed at once because connectionsMax were open. */
  refusedConnections = 0;

  constructor(
    private readonly options: AdminServerOptions,
    private readonly logger: Logger,
  ) {
    this.bodyBytesMax = options.bodyBytesMax ?? adminBodyBytesMaxDefault;
    this.server = createServer(
      {
        // A request may not take longer than a connection may idle.
        headersTimeout: Math.min(
          options.headersTimeoutMs ?? adminHeadersTimeoutMsDefault,
          options.idleTimeoutMs,
        ),
        requestTimeout: Math.min(
          options.requestTimeoutMs ?? adminRequestTimeoutMsDefault,
          options.idleTimeoutMs,
        ),
        keepAliveTimeout: options.idleTimeoutMs,
        maxHeaderSize: 16 * 1024,
      },
      (req, res) => this.dispatch(req, res),
    );
    this.server.maxConnections = options.connectionsMax ?? adminConnectionsMaxDefault;
    // Node checks headersTimeout and requestTimeout on this period; a second is fine-grained
    // enough for a slow client and costs nothing.
    (this.server as Server & { connectionsCheckingInterval?: number }).connectionsCheckingInterval =
      1000;
    // A backstop for sockets silent in the middle of anything; the request timeouts above
    // answer a stalled request with 408 first, and keepAliveTimeout closes idle ones.
    this.server.setTimeout(2 * options.idleTimeoutMs, (socket: Socket) => socket.destroy());
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    this.server.on("drop", (data?: { remoteAddress?: string; remotePort?: number }) => {
      this.refusedConnections++;
      this.logger.warn("too many admin connections; closing the new one", {
        remote: `${data?.remoteAddress ?? "?"}:${data?.remotePort ?? 0}`,
        limit: this.server.maxConnections,
      });
    });
    this.server.on("clientError", (err: Error & { code?: string }, socket: Socket) => {
      // Malformed HTTP, oversized headers or a timed-out request: answer if the socket still
      // can, never let it reach the member.
      this.logger.debug("admin client error", { error: err.message, code: err.code ?? "" });
      if (socket.writable) {
        const status =
          err.code === "HPE_HEADER_OVERFLOW"
            ? "431 Request Header Fields Too Large"
            : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
              ? "408 Request Timeout"
              : "400 Bad Request";
        const body = JSON.stringify({ error: status.slice(4) });
        socket.end(
          `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
        );
      } else {
        socket.destroy();
      }
    });
  }

  /** Serves `handler` at exactly `path` for the given methods. */
  route(path: string, methods: readonly string[], handler: RouteHandler): void {
    this.exact.set(path, { methods, handler });
  }

  /** Serves `handler` for every path that starts with `prefix` (which ends with "/"). */
  routePrefix(prefix: string, methods: readonly string[], handler: RouteHandler): void {
    this.prefixes.push({ prefix, route: { methods, handler } });
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once("error", onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off("error", onError);
        this.server.on("error", (err) =>
          this.logger.error("admin server error", { error: err.message }),
        );
        const address = this.server.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://admin.invalid");
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end('{"error":"bad request URL"}\n');
      return;
    }
    const request = new AdminRequest(req, res, url, this.bodyBytesMax);
    const path = url.pathname;
    let route = this.exact.get(path);
    if (route === undefined) {
      for (const p of this.prefixes) {
        if (path.startsWith(p.prefix)) {
          route = p.route;
          break;
        }
      }
    }
    if (route === undefined) {
      request.error(404, `no route ${path}`);
      return;
    }
    const method = request.method === "HEAD" ? "GET" : request.method;
    if (!route.methods.includes(method)) {
      request.error(405, `${request.method} is not allowed on ${path}`, {
        allow: route.methods.join(", "),
      });
      return;
    }
    try {
      const done = route.handler(request);
      if (done instanceof Promise) done.catch((err: unknown) => this.failed(request, err));
    } catch (err) {
      this.failed(request, err);
    }
  }

  private failed(request: AdminRequest, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error("admin route failed", { path: request.url.pathname, error: message });
    request.error(500, "internal error");
  }
}
