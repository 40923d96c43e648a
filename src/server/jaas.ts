// The JAAS login configuration file ZooKeeper reads (java.security.auth.login.config), parsed
// for what Corral needs: the users of the `Server` section, which ZooKeeper's
// DigestLoginModule takes from options named `user_<name>="<password>"`.
//
// Grammar (Java's ConfigFile): sections `Name { entry; entry; };` where an entry is
// `<login module class> <required|requisite|sufficient|optional> [key=value ...]`, values
// quoted with "..." (backslash escapes) or bare; `//` and `/* */` comments.

export interface JaasEntry {
  loginModule: string;
  flag: string;
  options: Map<string, string>;
}

export class JaasError extends Error {
  override readonly name = "JaasError";
}

type Token = { kind: "word" | "string" | "punct"; text: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith("//", i)) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new JaasError("unterminated comment");
      i = end + 2;
    } else if (c === "{" || c === "}" || c === ";" || c === "=") {
      out.push({ kind: "punct", text: c });
      i++;
    } else if (c === '"') {
      let s = "";
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        s += text[i++];
      }
      if (i >= text.length) throw new JaasError("unterminated quoted value");
      i++;
      out.push({ kind: "string", text: s });
    } else {
      const m = /^[^\s{};="]+/.exec(text.slice(i));
      if (m === null) throw new JaasError(`unexpected character ${c}`);
      out.push({ kind: "word", text: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

/** Every section of the file, by name, with its login module entries. */
export function parseJaas(text: string): Map<string, JaasEntry[]> {
  const tokens = tokenize(text);
  const sections = new Map<string, JaasEntry[]>();
  let at = 0;
  const next = (): Token => {
    const t = tokens[at++];
    if (t === undefined) throw new JaasError("unexpected end of file");
    return t;
  };
  const expect = (punct: string): void => {
    const t = next();
    if (t.kind !== "punct" || t.text !== punct) {
      throw new JaasError(`expected "${punct}", found "${t.text}"`);
    }
  };
  while (at < tokens.length) {
    const name = next();
    if (name.kind !== "word") throw new JaasError(`expected a section name, found "${name.text}"`);
    expect("{");
    const entries: JaasEntry[] = [];
    for (;;) {
      const t = next();
      if (t.kind === "punct" && t.text === "}") break;
      if (t.kind !== "word") throw new JaasError(`expected a login module, found "${t.text}"`);
      const flag = next();
      if (!/^(required|requisite|sufficient|optional)$/i.test(flag.text)) {
        throw new JaasError(`expected a control flag after ${t.text}, found "${flag.text}"`);
      }
      const options = new Map<string, string>();
      for (;;) {
        const key = next();
        if (key.kind === "punct" && key.text === ";") break;
        if (key.kind !== "word")
          throw new JaasError(`expected an option name, found "${key.text}"`);
        expect("=");
        const value = next();
        if (value.kind === "punct") throw new JaasError(`expected a value for ${key.text}`);
        options.set(key.text, value.text);
      }
      entries.push({ loginModule: t.text, flag: flag.text.toLowerCase(), options });
    }
    expect(";");
    sections.set(name.text, entries);
  }
  return sections;
}

/**
 * The DIGEST-MD5 users of the `Server` section (ZooKeeper's SaslServerCallbackHandler reads
 * every `user_<name>` option of it). Throws when the section is missing or names a login
 * module Corral cannot stand in for (Kerberos).
 */
export function saslServerUsers(text: string, section = "Server"): Map<string, string> {
  const entries = parseJaas(text).get(section);
  if (entries === undefined) throw new JaasError(`no "${section}" section`);
  const users = new Map<string, string>();
  for (const entry of entries) {
    if (/Krb5LoginModule$/.test(entry.loginModule)) {
      throw new JaasError(
        `${section}: ${entry.loginModule} (Kerberos/GSSAPI) is not supported; use DigestLoginModule`,
      );
    }
    for (const [key, value] of entry.options) {
      if (key.startsWith("user_") && key.length > 5) users.set(key.slice(5), value);
    }
  }
  return users;
}

/**
 * The login a section presents (ZooKeeper's QuorumLearner: DigestLoginModule with
 * `username` and `password` options). Throws when the section or either option is missing.
 */
export function digestLogin(text: string, section: string): { username: string; password: string } {
  const entries = parseJaas(text).get(section);
  if (entries === undefined) throw new JaasError(`no "${section}" section`);
  for (const entry of entries) {
    const username = entry.options.get("username");
    const password = entry.options.get("password");
    if (username !== undefined && password !== undefined) return { username, password };
  }
  throw new JaasError(`${section}: no entry with both username and password`);
}
