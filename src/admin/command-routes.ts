// `/commands` (admin.commandURL) and `/commands/<name>`: the AdminServer commands over HTTP.
// The listing is ZooKeeper's: one link per primary name, alphabetical. A command answers GET
// only, with its JSON envelope (commands.ts); an unknown name gets ZooKeeper's JSON body
// ("Unknown command: x") with status 404 where ZooKeeper says 200, so that HTTP tooling
// sees the error too while parsers of the body see exactly ZooKeeper's answer. Commands that
// change something (resets, the trace mask) need an administrator once one is configured.
import type { AdminAuth } from "./admin-auth.js";
import type { AdminRequest, AdminServer } from "./admin-server.js";
import { type AdminSources, commandNames, commandsByName, runCommand } from "./commands.js";

export function registerCommandRoutes(
  server: AdminServer,
  commandUrl: string,
  sources: AdminSources,
  auth: AdminAuth,
): void {
  const listing = commandNames
    .map((n) => `<a href="${commandUrl}/${n}">${n}</a>\n<br/>\n`)
    .join("");
  const list = (request: AdminRequest): void => {
    if (auth.allowRead(request) === null) return;
    request.send(200, "text/html; charset=utf-8", listing);
  };
  server.route(commandUrl, ["GET"], list);
  server.route(`${commandUrl}/`, ["GET"], list);
  server.routePrefix(`${commandUrl}/`, ["GET"], (request) => {
    if (auth.allowRead(request) === null) return;
    let name: string;
    try {
      name = decodeURIComponent(request.url.pathname.slice(commandUrl.length + 1));
    } catch {
      request.error(400, "malformed command name");
      return;
    }
    // The commands that reset figures are open in ZooKeeper, which has no administrators;
    // once Corral has one configured, they are the administrator's like every other change.
    if (commandsByName.get(name)?.changes === true && auth.enabled) {
      if (auth.requireAdmin(request) === null) return;
    }
    const { known, answer } = runCommand(name, sources, request.url.searchParams);
    request.json(known ? 200 : 404, answer);
  });
}
