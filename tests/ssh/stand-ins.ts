// Stand-ins for systemctl, journalctl and the k3s/rke2 binary (with its kubectl), installed into
// the SSH fixture's bin directory so the real remote scripts run against them. They behave like a
// K3s server as far as the scripts can tell:
//   - `systemctl cat <unit>` knows only the configured unit;
//   - `systemctl restart <unit>` records the restart, then evaluates the configuration the way
//     K3s does (config.yaml, then config.yaml.d/*.yaml in order; `kube-apiserver-arg` replaces,
//     `kube-apiserver-arg+` appends) and "crashes" (not ready, journal lines, exit 1) on what makes
//     a real API server crash-loop: a non-https issuer, an issuer without client id, an unreadable
//     CA file, --authentication-config together with --oidc-*, a bad or too new
//     AuthenticationConfiguration, the `anonymous` section before 1.32, or any arg containing
//     "fail-readiness" (the tests' switch);
//   - `journalctl -u <unit> -n N --no-pager` prints the last N journal lines;
//   - `k3s --version` prints the configured version; `k3s kubectl get --raw=/readyz` says ok only
//     when the last start succeeded.
import * as fs from "fs";
import * as path from "path";

export interface StandInConfig {
    /** The systemd unit that exists. */
    service: string;
    /** The main config file the "server" reads. */
    configFile: string;
    /** Kubernetes version printed by `<binary> --version`, e.g. "v1.31.4". */
    version: string;
    /** `k3s` or `rke2`. */
    binary: string;
    /** Seconds `systemctl restart` takes. */
    restartSeconds?: number;
}

/** What the stand-ins recorded. */
export interface StandInState {
    restarts: number;
    ready: boolean;
    /** Effective kube-apiserver args of the last successful start. */
    apiserverArgs: string[] | undefined;
    journal: string[];
}

const STANDIN_JS = String.raw`
"use strict";
const fs = require("fs");
const path = require("path");
const YAML = require(process.env.HSSO_YAML || __YAML__);
const STATE = __STATE__;
const cfg = JSON.parse(fs.readFileSync(path.join(STATE, "config.json"), "utf8"));
const tool = process.argv[2];
const args = process.argv.slice(3);
const file = (n) => path.join(STATE, n);
function journal(line) {
    const stamp = new Date().toISOString();
    fs.appendFileSync(file("journal.log"), stamp + " server " + cfg.binary + "[4242]: " + line + "\n");
}
function minor() { return Number(/v1\.(\d+)\./.exec(cfg.version)[1]); }
function list(v) { return v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]; }
function effectiveArgs() {
    let out = [];
    const files = [cfg.configFile];
    const dir = cfg.configFile + ".d";
    if (fs.existsSync(dir)) {
        for (const f of fs.readdirSync(dir).sort()) {
            if (f.endsWith(".yaml") || f.endsWith(".yml")) files.push(path.join(dir, f));
        }
    }
    for (const f of files) {
        if (!fs.existsSync(f)) continue;
        const doc = YAML.parse(fs.readFileSync(f, "utf8")) || {};
        if ("kube-apiserver-arg" in doc) out = list(doc["kube-apiserver-arg"]);
        if ("kube-apiserver-arg+" in doc) out = out.concat(list(doc["kube-apiserver-arg+"]));
    }
    return out;
}
function problem(argv) {
    const get = (k) => argv.filter((a) => a.replace(/^--/, "").startsWith(k + "=")).map((a) => a.slice(a.indexOf("=") + 1));
    if (argv.some((a) => a.includes("fail-readiness"))) return "invalid argument: fail-readiness (test switch)";
    const oidc = argv.filter((a) => /^(--)?oidc-/.test(a));
    const auth = get("authentication-config");
    if (auth.length > 0 && oidc.length > 0) return "authentication-config file and oidc-* flags are mutually exclusive";
    const issuer = get("oidc-issuer-url");
    if (issuer.length > 0) {
        if (!issuer[issuer.length - 1].startsWith("https://")) return "oidc-issuer-url (" + issuer[issuer.length - 1] + ") must be a valid URL with https scheme";
        if (get("oidc-client-id").length === 0) return "oidc-client-id is required when oidc-issuer-url is set";
    }
    for (const ca of get("oidc-ca-file")) {
        if (!fs.existsSync(ca) || !fs.readFileSync(ca, "utf8").includes("BEGIN CERTIFICATE")) return "failed to read oidc-ca-file " + ca;
    }
    for (const a of auth) {
        if (!fs.existsSync(a)) return "failed to read authentication config file " + a;
        let doc;
        try { doc = YAML.parse(fs.readFileSync(a, "utf8")); } catch (e) { return "invalid authentication config: " + e.message; }
        if (!doc || doc.kind !== "AuthenticationConfiguration") return "invalid authentication config: kind";
        const need = { "apiserver.config.k8s.io/v1beta1": 30, "apiserver.config.k8s.io/v1": 34 }[doc.apiVersion];
        if (need === undefined || minor() < need) return "no kind \"AuthenticationConfiguration\" is registered for version \"" + doc.apiVersion + "\"";
        if (doc.anonymous !== undefined && minor() < 32) return "strict decoding error: unknown field \"anonymous\"";
        for (const j of doc.jwt || []) {
            if (!j.issuer || !String(j.issuer.url).startsWith("https://")) return "jwt[0].issuer.url: Invalid value: must use https scheme";
        }
    }
    return undefined;
}
switch (tool) {
case "systemctl": {
    const verb = args[0];
    const unit = (args[1] || "").replace(/\.service$/, "");
    if (verb === "cat") {
        if (unit !== cfg.service) { process.stderr.write("No files found for " + unit + ".service.\n"); process.exit(1); }
        process.stdout.write("# /etc/systemd/system/" + unit + ".service\n[Service]\nType=notify\n");
        process.exit(0);
    }
    if (verb === "restart") {
        if (unit !== cfg.service) { process.stderr.write("Failed to restart " + unit + ".service: Unit " + unit + ".service not found.\n"); process.exit(5); }
        fs.appendFileSync(file("restarts.log"), unit + " " + Date.now() + "\n");
        fs.writeFileSync(file("ready"), "0");
        if (cfg.restartSeconds) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, cfg.restartSeconds * 1000);
        let argv;
        let err;
        try { argv = effectiveArgs(); err = problem(argv); } catch (e) { err = "failed to parse config: " + e.message; }
        if (err) {
            journal("E1128 12:00:00.000000 4242 run.go:72] \"command failed\" err=\"" + err + "\"");
            journal(unit + ".service: Main process exited, code=exited, status=1/FAILURE");
            process.stderr.write("Job for " + unit + ".service failed because the control process exited with error code.\n");
            process.exit(1);
        }
        fs.writeFileSync(file("apiserver-args.json"), JSON.stringify(argv));
        fs.writeFileSync(file("ready"), "1");
        journal("I1128 12:00:00.000000 4242 server.go:100] Running kube-apiserver " + argv.map((a) => "--" + a).join(" "));
        journal("Started Lightweight Kubernetes.");
        process.exit(0);
    }
    process.stderr.write("stand-in systemctl: unsupported " + args.join(" ") + "\n");
    process.exit(2);
}
case "journalctl": {
    const n = Number(args[args.indexOf("-n") + 1] || 10);
    if (args[args.indexOf("-u") + 1] !== cfg.service) { process.exit(0); }
    const lines = fs.existsSync(file("journal.log")) ? fs.readFileSync(file("journal.log"), "utf8").split("\n").filter(Boolean) : [];
    process.stdout.write(lines.slice(-n).map((l) => l + "\n").join(""));
    process.exit(0);
}
case "k3s":
case "rke2": {
    if (args[0] === "--version" || args[0] === "-v") {
        process.stdout.write(tool + " version " + cfg.version + "+" + tool + "1 (0123abcd)\ngo version go1.23.4\n");
        process.exit(0);
    }
    if (args[0] === "kubectl" && args.includes("--raw=/readyz")) {
        if (fs.existsSync(file("ready")) && fs.readFileSync(file("ready"), "utf8") === "1") { process.stdout.write("ok"); process.exit(0); }
        process.stderr.write("The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n");
        process.exit(1);
    }
    process.stderr.write("stand-in " + tool + ": unsupported " + args.join(" ") + "\n");
    process.exit(2);
}
default:
    process.stderr.write("stand-in: unknown tool " + tool + "\n");
    process.exit(2);
}
`;

/** Installs the stand-ins into `binDir`, with their state in `stateDir` (wiped). */
export class StandIns {
    constructor(readonly binDir: string, readonly stateDir: string) {}

    install(config: StandInConfig): void {
        fs.rmSync(this.stateDir, { recursive: true, force: true });
        fs.mkdirSync(this.stateDir, { recursive: true, mode: 0o755 });
        fs.writeFileSync(path.join(this.stateDir, "config.json"), JSON.stringify(config));
        fs.writeFileSync(path.join(this.stateDir, "ready"), "1");
        fs.writeFileSync(path.join(this.stateDir, "journal.log"), "");
        const js = path.join(this.binDir, "standin.js");
        fs.writeFileSync(js, STANDIN_JS
            .replace("__YAML__", JSON.stringify(require.resolve("yaml")))
            .replace("__STATE__", JSON.stringify(this.stateDir)));
        for (const tool of ["systemctl", "journalctl", "k3s", "rke2"]) {
            const p = path.join(this.binDir, tool);
            fs.writeFileSync(p, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(js)} ${tool} "$@"\n`, { mode: 0o755 });
            fs.chmodSync(p, 0o755);
        }
    }

    /** Changes part of the config (e.g. the version) without wiping the state. */
    reconfigure(change: Partial<StandInConfig>): void {
        const p = path.join(this.stateDir, "config.json");
        const current = JSON.parse(fs.readFileSync(p, "utf8")) as StandInConfig;
        fs.writeFileSync(p, JSON.stringify({ ...current, ...change }));
    }

    state(): StandInState {
        const read = (n: string) => {
            const p = path.join(this.stateDir, n);
            return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
        };
        const args = read("apiserver-args.json");
        return {
            restarts: (read("restarts.log") ?? "").split("\n").filter(Boolean).length,
            ready: read("ready") === "1",
            apiserverArgs: args === undefined ? undefined : JSON.parse(args) as string[],
            journal: (read("journal.log") ?? "").split("\n").filter(Boolean),
        };
    }
}
