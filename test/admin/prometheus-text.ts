// A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every
// line must be a comment, a HELP or TYPE line, or a sample `name{label="value",...} value`
// with a valid metric name, properly escaped label values and a number (or NaN/+Inf/-Inf);
// a TYPE must come before its family's samples and appear once; summary and histogram
// samples must use the family's suffixes. Anything else throws with the line number, so a
// scrape that a Prometheus server would reject fails the test.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(text: string, line: number): number {
  // Prometheus reads floats with Go's ParseFloat, which takes "NaN" in any case; prom-client
  // writes "Nan" (a summary with no observation in its window).
  if (text.toLowerCase() === "nan") return Number.NaN;
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)$/.test(text)) {
    throw new Error(`line ${line}: bad sample value "${text}"`);
  }
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`line ${line}: label without "="`);
    const name = text.slice(i, eq).trim();
    if (!labelName.test(name)) throw new Error(`line ${line}: bad label name "${name}"`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let j = eq + 2;
    let value = "";
    for (;;) {
      if (j >= text.length) throw new Error(`line ${line}: unterminated label value`);
      const c = text[j];
      if (c === "\\") {
        const n = text[j + 1];
        if (n === "n") value += "\n";
        else if (n === "\\" || n === '"') value += n;
        else throw new Error(`line ${line}: bad escape \\${n}`);
        j += 2;
      } else if (c === '"') {
        j++;
        break;
      } else {
        value += c;
        j++;
      }
    }
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    labels[name] = value;
    if (text[j] === ",") j++;
    else if (j < text.length) throw new Error(`line ${line}: junk after label ${name}`);
    i = j;
  }
  return labels;
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(sampleName);
  if (direct !== undefined) return direct;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (sampleName.endsWith(suffix)) {
      const f = families.get(sampleName.slice(0, -suffix.length));
      if (f !== undefined && (f.type === "histogram" || f.type === "summary")) {
        if (suffix === "_bucket" && f.type !== "histogram") return undefined;
        return f;
      }
    }
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const lines = text.split("\n");
  if (lines[lines.length - 1] !== "") throw new Error("the exposition must end with a newline");
  for (let n = 0; n < lines.length - 1; n++) {
    const line = lines[n];
    const at = n + 1;
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) continue; // A plain comment.
      const [, kind, name, rest] = m;
      if (!metricName.test(name)) throw new Error(`line ${at}: bad metric name "${name}"`);
      let f = families.get(name);
      if (f === undefined) {
        f = { name, type: "untyped", help: "", samples: [] };
        families.set(name, f);
      }
      if (kind === "TYPE") {
        if (!types.has(rest)) throw new Error(`line ${at}: unknown type "${rest}"`);
        if (f.samples.length > 0) throw new Error(`line ${at}: TYPE after samples of ${name}`);
        f.type = rest;
      } else {
        f.help = rest;
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
    if (m === null) throw new Error(`line ${at}: not a sample: ${line}`);
    const [, name, , labelText, valueText] = m;
    const family = familyOf(name, families);
    if (family === undefined) throw new Error(`line ${at}: sample ${name} has no TYPE`);
    family.samples.push({
      name,
      labels: labelText === undefined ? {} : parseLabels(labelText, at),
      value: parseValue(valueText, at),
    });
  }
  return families;
}

/** The value of one sample, by name and labels (all given labels must match). */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
