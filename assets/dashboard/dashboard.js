// Corral's dashboard: plain browser JavaScript, no build step. It polls /api/status every
// second for the overview and its charts (uPlot, loaded as a global by index.html), browses
// the znode tree through /api/children in pages (so a node with 100,000 children renders
// 100 at a time), and sends edits with the administrator's credentials, which it keeps in
// this tab's sessionStorage only. Every string from the server is put in the page as text,
// never as HTML.

const pageSize = 100;
const chartPoints = 120;
const authKey = "corral.authorization";

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

async function api(method, path, body) {
  // Marks the request as the dashboard's, so a 401 comes without a Basic challenge that
  // would hold it behind the browser's own login prompt.
  const headers = { "x-corral-dashboard": "1" };
  const auth = sessionStorage.getItem(authKey);
  if (auth) headers.authorization = auth;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  return { status: res.status, json };
}

// ---- tabs and login ------------------------------------------------------------------

for (const button of document.querySelectorAll("nav button")) {
  button.addEventListener("click", () => showTab(button.dataset.tab));
}

function showTab(name) {
  for (const b of document.querySelectorAll("nav button")) {
    b.classList.toggle("active", b.dataset.tab === name);
  }
  for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== `tab-${name}`;
  if (name === "sessions") void loadSessions();
  if (name === "watches") void loadWatches();
  if (name === "tree" && $("tree").childElementCount === 0) void openRoot();
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  const user = $("login-user").value;
  const secret = $("login-password").value;
  const value = user === "" ? `Bearer ${secret}` : `Basic ${btoa(`${user}:${secret}`)}`;
  sessionStorage.setItem(authKey, value);
  $("login-password").value = "";
  void refresh();
});

$("logout-button").addEventListener("click", () => {
  sessionStorage.removeItem(authKey);
  void refresh();
});

// ---- overview ------------------------------------------------------------------------

function makeChart(target, series) {
  const data = [[], ...series.map(() => [])];
  const chart = new uPlot(
    {
      width: Math.max(380, target.clientWidth || 420),
      height: 200,
      scales: { x: { time: true } },
      series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 1.5 }))],
      axes: [{}, { size: 70 }],
    },
    data,
    target,
  );
  return { chart, data, target };
}

const charts = {
  throughput: makeChart($("chart-throughput"), [["requests/s", "#2563eb"]]),
  latency: makeChart($("chart-latency"), [
    ["p50", "#16a34a"],
    ["p99", "#dc2626"],
  ]),
  fsync: makeChart($("chart-fsync"), [
    ["p50", "#7c3aed"],
    ["p99", "#ea580c"],
  ]),
};

function push(c, t, values) {
  c.data[0].push(t);
  for (let i = 0; i < values.length; i++) c.data[i + 1].push(values[i]);
  if (c.data[0].length > chartPoints) for (const s of c.data) s.shift();
  c.chart.setData(c.data);
  // What was plotted last, for scripts and tests that read the page.
  c.target.dataset.points = String(c.data[0].length);
  c.target.dataset.last = String(values[0]);
}

function card(label, value) {
  return el(
    "div",
    { class: "card" },
    el("div", { class: "label" }, label),
    el("div", { class: "value" }, String(value)),
  );
}

function ago(ms) {
  if (ms === null) return "never";
  if (ms < 1000) return `${Math.round(ms)} ms ago`;
  return `${(ms / 1000).toFixed(1)} s ago`;
}

async function refresh() {
  const { status, json } = await api("GET", "/api/status");
  const logged = sessionStorage.getItem(authKey) !== null;
  $("logout-button").hidden = !logged;
  if (status !== 200) {
    $("who").textContent = status === 401 ? "log in to read" : `status ${status}`;
    return;
  }
  $("who").textContent = json.you === "none" ? "anonymous" : `administrator (${json.you})`;
  const m = json.member;
  $("cards").replaceChildren(
    card("role", json.readOnly ? "read-only" : m.role),
    card("member id", m.id),
    card("term", m.term),
    card("leader", m.leaderId === 0 ? "none" : m.leaderId),
    card("commit index", m.commitIndex),
    card("applied index", m.appliedIndex),
    card("zxid", json.zxid),
    card("znodes", json.znodeCount),
    card("sessions", json.sessions),
    card("connections", json.connections),
    card("watches", json.watches),
    card("uptime", `${Math.round(json.uptimeMs / 1000)} s`),
  );
  $("members").tBodies[0].replaceChildren(
    ...m.members.map((p) =>
      el(
        "tr",
        {},
        el("td", {}, String(p.id)),
        el("td", {}, p.address || "(this member)"),
        el("td", {}, p.id === m.leaderId ? `leader (${p.kind})` : p.kind),
        el("td", {}, String(p.matchIndex)),
        el("td", {}, String(p.lagEntries)),
        el("td", {}, ago(p.lastContactAgoMs)),
        el("td", {}, p.roundTripMs === null ? "" : `${p.roundTripMs.toFixed(1)} ms`),
      ),
    ),
  );
  const t = Date.now() / 1000;
  const r = json.recent.requests;
  const f = json.recent.fsyncs;
  const perSecond = r.windowMs > 0 ? (r.count * 1000) / r.windowMs : 0;
  push(charts.throughput, t, [perSecond]);
  push(charts.latency, t, [r.p50Ms, r.p99Ms]);
  push(charts.fsync, t, [f.p50Ms, f.p99Ms]);
}

// ---- znode tree ----------------------------------------------------------------------

let selected = null;
let selectedStat = null;
let selectedData = null;

function childPath(parent, name) {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

function nodeItem(path, name, numChildren) {
  const children = el("ul", {});
  children.hidden = true;
  // numChildren < 0: not known yet (the root), so it can be opened.
  const toggle = el("button", { class: "toggle", type: "button" }, numChildren !== 0 ? "▸" : "·");
  const label = el("span", { class: "name", "data-path": path }, name);
  const row = el("div", { class: "row" }, toggle, label);
  if (numChildren > 0) row.append(el("span", { class: "count" }, `(${numChildren})`));
  const li = el("li", { "data-path": path }, row, children);
  let loaded = false;
  toggle.addEventListener("click", async () => {
    if (numChildren === 0) return;
    children.hidden = !children.hidden;
    toggle.textContent = children.hidden ? "▸" : "▾";
    if (!loaded) {
      loaded = true;
      await loadChildren(path, children, 0);
    }
  });
  label.addEventListener("click", () => void select(path));
  return li;
}

async function loadChildren(path, list, offset) {
  const { status, json } = await api(
    "GET",
    `/api/children?path=${encodeURIComponent(path)}&offset=${offset}&limit=${pageSize}`,
  );
  if (status !== 200) {
    list.append(el("li", {}, `cannot list: ${json?.error ?? status}`));
    return;
  }
  for (const c of json.children) list.append(nodeItem(c.path, c.name, c.numChildren));
  const next = offset + json.children.length;
  if (next < json.total) {
    const more = el(
      "button",
      { class: "more", type: "button" },
      `load ${Math.min(pageSize, json.total - next)} more of ${json.total - next}`,
    );
    const item = el("li", {}, more);
    more.addEventListener("click", async () => {
      item.remove();
      await loadChildren(path, list, next);
    });
    list.append(item);
  }
}

async function openRoot() {
  const root = nodeItem("/", "/", -1);
  $("tree").replaceChildren(root);
  root.querySelector(".toggle").click();
  await select("/");
}

function renderData() {
  const mode = document.querySelector('input[name="mode"]:checked').value;
  const pre = $("node-data");
  if (selectedData === null) {
    pre.textContent = selectedStat === null ? "" : "(no data, or not readable)";
    return;
  }
  const bytes = selectedData;
  if (mode === "hex") {
    const lines = [];
    for (let i = 0; i < bytes.length && i < 4096; i += 16) {
      const row = Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, "0"));
      lines.push(`${i.toString(16).padStart(6, "0")}  ${row.join(" ")}`);
    }
    pre.textContent = lines.join("\n");
    return;
  }
  const text = new TextDecoder().decode(bytes);
  if (mode === "json") {
    try {
      pre.textContent = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      pre.textContent = "(not JSON)";
    }
    return;
  }
  pre.textContent = text;
}

for (const r of document.querySelectorAll('input[name="mode"]'))
  r.addEventListener("change", renderData);

async function select(path) {
  selected = path;
  for (const n of document.querySelectorAll(".tree .name")) {
    n.classList.toggle("selected", n.dataset.path === path);
  }
  $("node-path").textContent = path;
  const { status, json } = await api("GET", `/api/znode?path=${encodeURIComponent(path)}`);
  if (status !== 200) {
    selectedStat = null;
    selectedData = null;
    $("node-stat").replaceChildren();
    renderData();
    return;
  }
  selectedStat = json.stat;
  selectedData =
    json.dataBase64 === null
      ? null
      : Uint8Array.from(atob(json.dataBase64), (c) => c.charCodeAt(0));
  $("node-stat").replaceChildren(
    ...Object.entries(json.stat).map(([k, v]) =>
      el("tr", {}, el("th", {}, k), el("td", {}, statText(k, v))),
    ),
  );
  $("node-acl").tBodies[0].replaceChildren(
    ...json.acl.map((a) =>
      el("tr", {}, el("td", {}, a.scheme), el("td", {}, a.id), el("td", {}, perms(a.perms))),
    ),
  );
  renderData();
}

function statText(key, value) {
  // ctime and mtime are milliseconds since the epoch; show the date beside them.
  if (key === "ctime" || key === "mtime") return `${value} (${new Date(value).toISOString()})`;
  return String(value);
}

function perms(p) {
  return ["r", "w", "c", "d", "a"].map((c, i) => (p & (1 << i) ? c : "-")).join("");
}

function report(result, what) {
  const out = $("edit-result");
  const ok = result.status >= 200 && result.status < 300;
  out.className = ok ? "" : "error";
  out.textContent = ok
    ? `${what}: done`
    : `${what}: refused (${result.status} ${result.json?.error ?? ""})`;
  return ok;
}

$("edit-save").addEventListener("click", async () => {
  if (selected === null) return;
  const r = await api("PUT", "/api/znode", {
    path: selected,
    data: $("edit-data").value,
    version: selectedStat?.version ?? -1,
  });
  if (report(r, "set data")) await select(selected);
});

$("edit-create").addEventListener("click", async () => {
  if (selected === null) return;
  const path = childPath(selected, $("edit-child").value);
  const r = await api("POST", "/api/znode", { path, data: $("edit-data").value });
  if (report(r, `create ${path}`)) {
    $("edit-child").value = "";
    const li = document.querySelector(`.tree li[data-path="${CSS.escape(selected)}"] > ul`);
    if (li) li.append(nodeItem(path, path.slice(path.lastIndexOf("/") + 1), 0));
  }
});

$("edit-delete").addEventListener("click", async () => {
  if (selected === null || selected === "/") return;
  const r = await api(
    "DELETE",
    `/api/znode?path=${encodeURIComponent(selected)}&version=${selectedStat?.version ?? -1}`,
  );
  if (report(r, `delete ${selected}`)) {
    document.querySelector(`.tree li[data-path="${CSS.escape(selected)}"]`)?.remove();
  }
});

$("edit-acl-save").addEventListener("click", async () => {
  if (selected === null) return;
  let acl;
  try {
    acl = JSON.parse($("edit-acl").value);
  } catch {
    report({ status: 400, json: { error: "the ACL is not JSON" } }, "set ACL");
    return;
  }
  const r = await api("PUT", "/api/acl", {
    path: selected,
    acl,
    version: selectedStat?.aversion ?? -1,
  });
  if (report(r, "set ACL")) await select(selected);
});

// ---- sessions and watches ------------------------------------------------------------

async function loadSessions() {
  const { status, json } = await api("GET", "/api/sessions");
  if (status !== 200) return;
  $("sessions").tBodies[0].replaceChildren(
    ...json.sessions.map((s) =>
      el(
        "tr",
        {},
        el("td", {}, s.id),
        el("td", {}, String(s.timeoutMs)),
        el("td", {}, s.connection ?? "(not connected here)"),
        el(
          "td",
          {},
          s.ephemeralCount === 0 ? "" : `${s.ephemeralCount}: ${s.ephemerals.join(", ")}`,
        ),
      ),
    ),
  );
}

async function loadWatches() {
  const { status, json } = await api("GET", "/api/watches");
  if (status !== 200) return;
  $("watches").tBodies[0].replaceChildren(
    ...json.watches.map((w) =>
      el("tr", {}, el("td", {}, w.path), el("td", {}, w.kind), el("td", {}, w.sessions.join(", "))),
    ),
  );
}

await refresh();
setInterval(() => void refresh(), 1000);
document.body.dataset.ready = "true";
