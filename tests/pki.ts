// Throwaway certificates for tests that run real TLS servers on 127.0.0.1 (the fake Authentik
// issuer, the kube-apiserver tier): a CA and certificates it signs, made with the machine's
// openssl (Node's crypto parses X.509 but cannot issue it). Everything is written into a directory
// the caller owns and removes. The RSA keys are made once per name (keyFor; per run under npm test): key
// generation is most of a certificate's cost (openssl takes 0.1-1 s for an RSA 2048 key), and the
// tests make the same certificates again and again, one set per fake server. So are the
// certificates themselves (makeCa per name, issueCert per name, issuing CA and options; openssl costs
// about 25 ms of CPU a certificate): each caller still gets its own files in its own directory. A
// test that needs two CAs that do not trust each other gives them two names.
import { spawnSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { runDir } from "./pack";

/** A certificate and its private key, as files and as PEM text. */
export interface KeyPair {
    readonly certFile: string;
    readonly keyFile: string;
    readonly certPem: string;
    readonly keyPem: string;
}

/** What a leaf certificate is for. */
export interface LeafOptions {
    /** Subject CN (the user name for client certificates). */
    commonName: string;
    /** Subject O entries (the groups for Kubernetes client certificates). */
    organizations?: string[];
    /** IP addresses for subjectAltName (server certificates). */
    ips?: string[];
    /** DNS names for subjectAltName (server certificates). */
    dnsNames?: string[];
    /** "server" (default) or "client" extended key usage. */
    usage?: "server" | "client";
}

function openssl(args: string[], cwd: string): void {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`openssl ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}${r.error ? String(r.error) : ""}`);
    }
}

function read(certFile: string, keyFile: string): KeyPair {
    return { certFile, keyFile, certPem: fs.readFileSync(certFile, "utf8"), keyPem: fs.readFileSync(keyFile, "utf8") };
}

const keys = new Map<string, string>();

/**
 * The RSA 2048 private key (PKCS#8 PEM) for `name`, made on the first call in this process. Under
 * `npm test` (HSSO_TEST_RUN set) the mocha workers also share them through the run's directory
 * (removed when the run ends): each key is made once per run, not once per worker.
 */
export function keyFor(name: string): string {
    let pem = keys.get(name);
    if (pem === undefined) {
        const shared = process.env.HSSO_TEST_RUN ? path.join(runDir(), "keys", `${encodeURIComponent(name)}.pem`) : undefined;
        try {
            pem = shared ? fs.readFileSync(shared, "utf8") : undefined;
        } catch {
            // Not made yet in this run.
        }
        if (pem === undefined) {
            pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
            if (shared) {
                // Written whole, then renamed: another worker reads all of a key or none.
                fs.mkdirSync(path.dirname(shared), { recursive: true, mode: 0o700 });
                fs.writeFileSync(`${shared}.${process.pid}`, pem, { mode: 0o600 });
                fs.renameSync(`${shared}.${process.pid}`, shared);
            }
        }
        keys.set(name, pem);
    }
    return pem;
}

const certs = new Map<string, string>();

/** The certificate made earlier in this process for `id`, written to `cert` (and its key to `key`). */
function reuse(id: string, cert: string, key: string, keyPem: string): KeyPair | undefined {
    const pem = certs.get(id);
    if (pem === undefined) {
        return undefined;
    }
    fs.writeFileSync(key, keyPem, { mode: 0o600 });
    fs.writeFileSync(cert, pem);
    return read(cert, key);
}

/** Makes a self-signed CA `<dir>/<name>-ca.{crt,key}` (RSA 2048, valid one day). */
export function makeCa(dir: string, name: string): KeyPair {
    fs.mkdirSync(dir, { recursive: true });
    const cert = path.join(dir, `${name}-ca.crt`);
    const key = path.join(dir, `${name}-ca.key`);
    const id = `ca:${name}`;
    const keyPem = keyFor(id);
    const made = reuse(id, cert, key, keyPem);
    if (made) {
        return made;
    }
    fs.writeFileSync(key, keyPem, { mode: 0o600 });
    openssl([
        "req", "-x509", "-key", key, "-days", "1",
        "-subj", `/CN=${name} test CA`,
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", cert,
    ], dir);
    const pair = read(cert, key);
    certs.set(id, pair.certPem);
    return pair;
}

/** Makes `<dir>/<name>.{crt,key}` signed by `ca`. */
export function issueCert(ca: KeyPair, dir: string, name: string, opts: LeafOptions): KeyPair {
    fs.mkdirSync(dir, { recursive: true });
    const cert = path.join(dir, `${name}.crt`);
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const ext = path.join(dir, `${name}.ext`);
    const subject = `/CN=${opts.commonName}${(opts.organizations ?? []).map((o) => `/O=${o}`).join("")}`;
    const id = `leaf:${name}:${JSON.stringify(opts)}:${ca.certPem}`;
    const keyPem = keyFor(`leaf:${name}`);
    const made = reuse(id, cert, key, keyPem);
    if (made) {
        return made;
    }
    fs.writeFileSync(key, keyPem, { mode: 0o600 });
    openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr], dir);
    const sans = [...(opts.ips ?? []).map((ip) => `IP:${ip}`), ...(opts.dnsNames ?? []).map((d) => `DNS:${d}`)];
    const lines = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        `extendedKeyUsage=${opts.usage === "client" ? "clientAuth" : "serverAuth"}`,
    ];
    if (sans.length > 0) {
        lines.push(`subjectAltName=${sans.join(",")}`);
    }
    fs.writeFileSync(ext, `${lines.join("\n")}\n`);
    openssl(["x509", "-req", "-in", csr, "-CA", ca.certFile, "-CAkey", ca.keyFile, "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", cert], dir);
    const pair = read(cert, key);
    certs.set(id, pair.certPem);
    return pair;
}
