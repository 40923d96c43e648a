// Generates a throw-away PKI in a temporary directory with openssl and keytool, for the TLS
// tests: a CA, a server certificate for 127.0.0.1/localhost, a client certificate signed by
// the CA, and a client certificate from a second, untrusted CA. Every store format
// ZooKeeper accepts is written: PEM (key and chain in one file), PKCS12 and JKS key stores,
// and PEM, PKCS12 and JKS trust stores. remove() deletes the directory.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const storePassword = "testpass";

export interface TestPki {
  dir: string;
  /** CA certificate (PEM). */
  caPem: string;
  /** PEM files holding key then certificate. */
  serverPem: string;
  clientPem: string;
  rogueClientPem: string;
  /** Separate key and certificate files (what kazoo and Node clients take). */
  clientKey: string;
  clientCert: string;
  rogueClientKey: string;
  rogueClientCert: string;
  serverP12: string;
  serverJks: string;
  clientP12: string;
  trustP12: string;
  trustJks: string;
  /** A PKCS12 trust store holding only the rogue CA: it trusts nobody the real CA signed. */
  rogueTrustP12: string;
  /** Issues a new server certificate (same CA) with another subject, into `pemPath`. */
  reissueServer(pemPath: string, commonName: string): void;
  remove(): void;
}

export function pkiToolsAvailable(): string | undefined {
  if (!existsSync("/usr/bin/openssl")) return "openssl is not installed";
  if (!existsSync("/usr/bin/keytool")) return "keytool is not installed";
  return undefined;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "corral-pki-"));
  const p = (name: string): string => join(dir, name);
  const ca = (name: string): void => {
    openssl(
      dir,
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`].concat([
        "-out",
        `${name}.crt`,
        "-days",
        "2",
        "-subj",
        `/CN=${name}`,
      ]),
    );
  };
  const issue = (name: string, caName: string, subject: string, san: string | null): void => {
    openssl(
      dir,
      ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`].concat([
        "-out",
        `${name}.csr`,
        "-subj",
        subject,
      ]),
    );
    const ext = p(`${name}.ext`);
    writeFileSync(ext, san === null ? "basicConstraints=CA:FALSE\n" : `subjectAltName=${san}\n`);
    openssl(
      dir,
      ["x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}.crt`]
        .concat(["-CAkey", `${caName}.key`, "-CAcreateserial", "-out", `${name}.crt`])
        .concat(["-days", "2", "-extfile", ext]),
    );
    writeFileSync(
      p(`${name}.pem`),
      readFileSync(p(`${name}.key`)) + readFileSync(p(`${name}.crt`), "utf8"),
    );
  };
  const p12 = (name: string): void => {
    openssl(
      dir,
      ["pkcs12", "-export", "-in", `${name}.crt`, "-inkey", `${name}.key`].concat([
        "-out",
        `${name}.p12`,
        "-passout",
        `pass:${storePassword}`,
        "-name",
        name,
      ]),
    );
  };
  ca("ca");
  ca("rogue-ca");
  issue("server", "ca", "/CN=corral-server", "IP:127.0.0.1,DNS:localhost");
  issue("client", "ca", "/CN=client/O=corral-tests", null);
  issue("rogue-client", "rogue-ca", "/CN=rogue", null);
  p12("server");
  p12("client");
  const keytool = (args: string[]): void => {
    execFileSync("keytool", args, { cwd: dir, stdio: "pipe" });
  };
  keytool(
    ["-importkeystore", "-srckeystore", "server.p12", "-srcstoretype", "PKCS12"]
      .concat(["-srcstorepass", storePassword, "-destkeystore", "server.jks"])
      .concat(["-deststoretype", "JKS", "-deststorepass", storePassword, "-noprompt"]),
  );
  for (const [file, type, ca] of [
    ["trust.p12", "PKCS12", "ca.crt"],
    ["trust.jks", "JKS", "ca.crt"],
    ["rogue-trust.p12", "PKCS12", "rogue-ca.crt"],
  ]) {
    keytool(
      ["-importcert", "-noprompt", "-alias", "ca", "-file", ca, "-keystore", file].concat([
        "-storetype",
        type,
        "-storepass",
        storePassword,
      ]),
    );
  }
  return {
    dir,
    caPem: p("ca.crt"),
    serverPem: p("server.pem"),
    clientPem: p("client.pem"),
    rogueClientPem: p("rogue-client.pem"),
    clientKey: p("client.key"),
    clientCert: p("client.crt"),
    rogueClientKey: p("rogue-client.key"),
    rogueClientCert: p("rogue-client.crt"),
    serverP12: p("server.p12"),
    serverJks: p("server.jks"),
    clientP12: p("client.p12"),
    trustP12: p("trust.p12"),
    trustJks: p("trust.jks"),
    rogueTrustP12: p("rogue-trust.p12"),
    reissueServer(pemPath, commonName) {
      issue("reissued", "ca", `/CN=${commonName}`, "IP:127.0.0.1,DNS:localhost");
      writeFileSync(`${pemPath}.tmp`, readFileSync(p("reissued.pem")));
      renameSync(`${pemPath}.tmp`, pemPath);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
