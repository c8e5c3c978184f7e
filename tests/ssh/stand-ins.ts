// Stand-ins for systemctl, journalctl and the k3s/rke2 binary (with its kubectl), installed into
// the SSH fixture's bin directory so the real remote scripts run against them. They follow the
// real systems' documented rules, as far as the scripts can tell:
//   - the unit is a real file, <state>/units/<unit>.service (ExecStart, Environment=,
//     EnvironmentFile= lines from the config), with drop-ins in <unit>.service.d/*.conf a test
//     writes; `systemctl cat <unit>` prints each file after a "# <path>" line (the unit, then its
//     drop-ins in lexical order), as systemd's cat verb does;
//   - `systemctl show [--timestamp=unix] -p P [-p P...] [--value] <unit>` prints "P=value" (or the
//     value alone) in systemd's formats: ExecMainStartTimestamp "Tue 2026-12-01 20:55:35 UTC" (with
//     --timestamp=us+utc "Tue 2026-12-01 20:55:35.123000 UTC", the stand-in's start being in
//     milliseconds; with --timestamp=unix "@<unix seconds>"), MainPID (0 when stopped), ActiveState, Environment (one line, space
//     separated), EnvironmentFiles (one line per file, "<path> (ignore_errors=yes|no)"; a "-"
//     prefix means optional; %N is the unit's name), FragmentPath, DropInPaths. The running K3s
//     started at its last restart; before the first one, at the first moment a command looks at
//     it (so a test's setup is what K3s started with, unless the test says otherwise);
//   - K3s reads $K3S_CONFIG_FILE ($RKE2_CONFIG_FILE) from the unit's environment (Environment=,
//     then the EnvironmentFile= files, which override it, systemd.exec(5)) or from systemd's
//     manager environment, and the unit's --config over both (urfave/cli: a flag wins over its
//     EnvVar);
//   - `systemctl restart <unit>` (a systemd job: signals to the client do not stop it) records the
//     restart, then reads the configuration the way K3s's pkg/configfilearg does (YAML 1.1;
//     config.yaml, then config.yaml.d/*.yaml|*.yml in any case, in lexical order; a key without "+"
//     replaces, with "+" appends; ExecStart's --kube-apiserver-arg come last), builds the command
//     line like K3s's GetArgs (its defaults, `--anonymous-auth=false` among them on releases before
//     k3s-io/k3s#12245 or without authentication-config, overridden by name, sorted), logs
//     "Running kube-apiserver ..." like K3s, and "crashes" (not ready, journal lines, exit 1) on
//     what makes a real API server crash-loop: a non-https issuer, an issuer without client id, an
//     unreadable CA file, --authentication-config together with --oidc-*, a bad or too new
//     AuthenticationConfiguration (non-string values after YAML 1.1 included), the `anonymous`
//     section before 1.32 or next to --anonymous-auth, or any arg containing "fail-readiness";
//   - `systemctl show-environment` prints the manager environment, one NAME=value line each (the
//     value as $'...' when it has characters a shell would read, systemctl's print_variable);
//   - `journalctl -u <unit> [-n N] [--since @epoch] [-o cat] --no-pager` prints journal lines;
//   - `k3s --version` prints the configured version; `k3s kubectl get --raw=/readyz` says ok only
//     when the last start succeeded; `--raw=/metrics` shows the AuthenticationConfiguration
//     reloader's metrics: a changed file is reloaded (after reloadSeconds), an invalid one (or
//     one whose first audience contains "fail-reload") counts a failure and the old one stays.
import * as fs from "fs";
import * as path from "path";
import { clientScript, haveBash, standInServerPort } from "./stand-in-server";

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
    /** Args of the unit's ExecStart after `server` (e.g. `--kube-apiserver-arg=...`). */
    execStart?: string[];
    /** Seconds after a change of the AuthenticationConfiguration before the API server reloads it. */
    reloadSeconds?: number;
    /** `Environment=` words of the unit, e.g. ["K3S_CONFIG_FILE=/etc/k3s/config.yaml"]. */
    environment?: string[];
    /** `EnvironmentFile=` values of the unit, e.g. ["-/etc/default/%N", "-/etc/systemd/system/%N.service.env"]. */
    environmentFiles?: string[];
    /** systemd's manager environment (`systemctl set-environment`), which every unit inherits. */
    managerEnvironment?: Record<string, string>;
    /**
     * Variables a wrapper in ExecStart exports before it execs K3s (ExecStart=/usr/local/bin/k3s-wrapper):
     * K3s sees them, neither `systemctl show` nor `systemctl show-environment` does.
     */
    wrapperEnvironment?: Record<string, string>;
    /** Seconds the `systemctl restart` client keeps running after the restart, ignoring TERM (a hung client). */
    clientHangSeconds?: number;
}

/** What the stand-ins recorded. */
export interface StandInState {
    restarts: number;
    ready: boolean;
    /** Effective extra kube-apiserver args (config files, then ExecStart) of the last successful start. */
    apiserverArgs: string[] | undefined;
    /** The kube-apiserver command line of the last successful start (K3s defaults merged, sorted). */
    commandLine: string[] | undefined;
    /** Whether anonymous requests are authenticated (as system:anonymous) since the last start. */
    anonymousAuth: boolean | undefined;
    /** [start, end] in ms of every finished `systemctl restart`. */
    restartIntervals: [number, number][];
    journal: string[];
}

const STANDIN_JS = String.raw`
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
// Loaded only by the calls that read YAML (a restart, the OpenRC server): most calls (journalctl,
// --version, /readyz) need neither module, and a call that is its own node process pays for it.
let yamlModule;
const YAML = () => yamlModule || (yamlModule = require(process.env.HSSO_YAML || __YAML__));
const STATE = __STATE__;
// Blocks for ms. Run by the call server (tests/ssh/stand-in-server.ts), the call ends here when its
// client is killed meanwhile, as a killed process would (process.standInPause).
const pause = (ms) => (process.standInPause ? process.standInPause(ms) : Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms));
const cfg = JSON.parse(fs.readFileSync(path.join(STATE, "config.json"), "utf8"));
const tool = process.argv[2];
const args = process.argv.slice(3);
const file = (n) => path.join(STATE, n);
const read = (n, d) => (fs.existsSync(file(n)) ? fs.readFileSync(file(n), "utf8") : d);
// Writes a state file whole (a temporary file, then rename): the tests poll these files while a
// restart writes them, and writeFileSync truncates first, so a reader could see an empty or half
// JSON file ("Unexpected end of JSON input", 1 run in 13 of the flake loop).
const put = (n, text) => {
    const tmp = file(n) + ".tmp-" + process.pid;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file(n));
};
function journal(line) {
    const stamp = new Date().toISOString();
    fs.appendFileSync(file("journal.log"), stamp + " server " + cfg.binary + "[4242]: " + line + "\n");
}
function version() { const m = /v1\.(\d+)\.(\d+)/.exec(cfg.version); return [Number(m[1]), Number(m[2])]; }
function minor() { return version()[0]; }
// K3s before k3s-io/k3s#12245 (fixed in 1.33.1, 1.32.5, 1.31.9, 1.30.13) passes --anonymous-auth=false
// even when authentication-config is set.
function anonymousFix() { const [mi, pa] = version(); const fixed = { 30: 13, 31: 9, 32: 5, 33: 1 }; return mi >= 34 || (fixed[mi] !== undefined && pa >= fixed[mi]); }
// K3s and kube-apiserver read YAML 1.1 (yaml.v2, sigs.k8s.io/yaml): "on" is a boolean there.
const parse = (text) => YAML().parse(text, { version: "1.1" });
function execStartArgs() { return (cfg.execStart || []).slice(); }
// The unit's files: the fragment, then its drop-ins (*.conf, lexical order).
const unitName = () => cfg.service;
const fragmentPath = () => path.join(STATE, "units", unitName() + ".service");
function dropInPaths() {
    const dir = fragmentPath() + ".d";
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((n) => n.endsWith(".conf")).sort().map((n) => path.join(dir, n));
}
const unitFiles = () => [fragmentPath(), ...dropInPaths()];
// systemd's word splitting of Environment= (quotes group, are removed).
function words(text) {
    const out = [];
    const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
    let m;
    let cur = "";
    let last = -1;
    while ((m = re.exec(text)) !== null) {
        const w = m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2] !== undefined ? m[2] : m[3];
        if (last === m.index) cur += w; else { if (last >= 0) out.push(cur); cur = w; }
        last = re.lastIndex;
    }
    if (last >= 0) out.push(cur);
    return out;
}
// Environment= and EnvironmentFile= of every unit file, in order (an empty assignment resets the list).
function unitSettings() {
    const env = [];
    let files = [];
    for (const f of unitFiles()) {
        if (!fs.existsSync(f)) continue;
        for (const line of fs.readFileSync(f, "utf8").split("\n")) {
            let m = /^Environment=(.*)$/.exec(line);
            if (m) { if (m[1].trim() === "") env.length = 0; else env.push(...words(m[1])); continue; }
            m = /^EnvironmentFile=(.*)$/.exec(line);
            if (m) { if (m[1].trim() === "") files = []; else files.push(m[1].trim().replace(/%N/g, unitName())); }
        }
    }
    return { env, files: files.map((f) => ({ path: f.replace(/^-/, ""), optional: f.startsWith("-") })) };
}
// An environment file: KEY=VALUE lines, "#" and ";" comments, quotes removed (systemd.exec(5)).
function readEnvFile(f) {
    const out = {};
    for (const line of fs.readFileSync(f, "utf8").split("\n")) {
        const t = line.trim();
        if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
        const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(t);
        if (!m) continue;
        let v = m[2];
        if (/^".*"$/.test(v) || /^'.*'$/.test(v)) v = v.slice(1, -1);
        out[m[1]] = v;
    }
    return out;
}
// The service's environment: the manager's, then Environment=, then the files (they override).
function serviceEnv() {
    const env = { ...(cfg.managerEnvironment || {}) };
    const st = unitSettings();
    for (const w of st.env) { const i = w.indexOf("="); if (i > 0) env[w.slice(0, i)] = w.slice(i + 1); }
    for (const f of st.files) if (fs.existsSync(f.path)) Object.assign(env, readEnvFile(f.path));
    return { ...env, ...(cfg.wrapperEnvironment || {}) };
}
// systemctl show-environment's line of one variable: the value as it is when plain, else quoted as
// $'...' with backslash escapes (systemctl's print_variable: shell_maybe_quote(value, SHELL_ESCAPE_POSIX)).
function environmentLine(name, value) {
    // SHELL_NEED_QUOTES (the escapes, the glob characters, '()<>|&;!), whitespace, control and non-ASCII bytes.
    if (!/["\\\x60$*?['()<>|&;!\s]|[^\x20-\x7e]/.test(value)) return name + "=" + value;
    const esc = value.replace(/[\\']/g, (c) => "\\" + c).replace(/\n/g, "\\n").replace(/\t/g, "\\t");
    return name + "=$'" + esc + "'";
}
// When the running K3s started (ms): its last restart; before that, pinned the first time it is asked.
function startedMs() {
    const t = read("started", "");
    if (t !== "") return Number(t);
    const now = Date.now();
    put("started", String(now));
    return now;
}
// systemd's format_timestamp_style: "%a %Y-%m-%d %H:%M:%S %Z" (UTC here), with ".%06u" (the
// microseconds) after the seconds in the us styles (--timestamp=us, us+utc).
function systemdTime(ms, us) {
    const d = new Date(ms);
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const p = (n) => String(n).padStart(2, "0");
    const frac = us ? "." + String(Math.round((ms % 1000) * 1000)).padStart(6, "0") : "";
    return days[d.getUTCDay()] + " " + d.getUTCFullYear() + "-" + p(d.getUTCMonth() + 1) + "-" + p(d.getUTCDate()) + " " + p(d.getUTCHours()) + ":" + p(d.getUTCMinutes()) + ":" + p(d.getUTCSeconds()) + frac + " UTC";
}
// K3s's own reading of its config files and its GetArgs, shared with the kube-apiserver tier
// (tests/k3s-config/k3s-config.js, which follows pkg/configfilearg and pkg/util/args.go).
let k3sConfig;
const K3S = () => k3sConfig || (k3sConfig = require(__K3S_CONFIG__));
// K3s's "log" setting: its own lines go to that file instead of the journal.
let logFile;
// The config file: --config in ExecStart (or K3S_CONFIG_FILE) moves it away from the default.
function configFile() {
    const env = serviceEnv()[cfg.binary === "rke2" ? "RKE2_CONFIG_FILE" : "K3S_CONFIG_FILE"];
    return K3S().flagValues(execStartArgs(), "config").pop() || K3S().flagValues(execStartArgs(), "c").pop() || env || cfg.configFile;
}
// The effective kube-apiserver-arg values: config.yaml, then config.yaml.d/*.yaml|*.yml (any
// case) in lexical order, "+" appends and no "+" replaces; the unit's ExecStart args come last.
function extraArgs() {
    const main = configFile();
    logFile = K3S().flagValues([...K3S().readConfigFile(main), ...execStartArgs()], "log").pop();
    return K3S().kubeApiserverArgs(main, execStartArgs());
}
// K3s's GetArgs over its defaults: --anonymous-auth=false among them on releases before
// k3s-io/k3s#12245 or without authentication-config (util.ArgValue of the extra args).
function commandLine(extra) {
    const initial = {};
    if (!(anonymousFix() && extra.some((a) => a.replace(/^--/, "").startsWith("authentication-config=")))) initial["anonymous-auth"] = "false";
    return K3S().getArgs(initial, extra);
}
const flagValues = (argv, k) => argv.filter((a) => a.replace(/^--/, "").startsWith(k + "=")).map((a) => a.slice(a.indexOf("=") + 1));
function authConfigProblem(text) {
    let doc;
    try { doc = parse(text); } catch (e) { return "invalid authentication config: " + e.message; }
    if (!doc || doc.kind !== "AuthenticationConfiguration") return "invalid authentication config: kind";
    const need = { "apiserver.config.k8s.io/v1beta1": 30, "apiserver.config.k8s.io/v1": 34 }[doc.apiVersion];
    if (need === undefined || minor() < need) return "no kind \"AuthenticationConfiguration\" is registered for version \"" + doc.apiVersion + "\"";
    if (doc.anonymous !== undefined && minor() < 32) return "strict decoding error: unknown field \"anonymous\"";
    for (const j of doc.jwt || []) {
        const strings = [j.issuer && j.issuer.url, ...((j.issuer && j.issuer.audiences) || []), ...(j.claimValidationRules || []).map((r) => r.requiredValue)];
        const m = j.claimMappings || {};
        for (const part of ["username", "groups"]) if (m[part]) strings.push(m[part].claim, m[part].prefix);
        for (const v of strings) if (v !== undefined && typeof v !== "string") return "json: cannot unmarshal " + typeof v + " into Go value of type string";
        if (!j.issuer || !String(j.issuer.url).startsWith("https://")) return "jwt[0].issuer.url: Invalid value: must use https scheme";
        if (String((j.issuer.audiences || [])[0]).includes("fail-reload")) return "jwt[0].issuer.audiences: Invalid value (test switch fail-reload)";
    }
    return undefined;
}
function problem(argv) {
    if (argv.some((a) => a.includes("fail-readiness"))) return "invalid argument: fail-readiness (test switch)";
    const oidc = argv.filter((a) => /^(--)?oidc-/.test(a));
    const auth = flagValues(argv, "authentication-config");
    if (auth.length > 0 && oidc.length > 0) return "authentication-config file and oidc-* flags are mutually exclusive";
    const issuer = flagValues(argv, "oidc-issuer-url");
    if (issuer.length > 0) {
        if (!issuer[issuer.length - 1].startsWith("https://")) return "oidc-issuer-url (" + issuer[issuer.length - 1] + ") must be a valid URL with https scheme";
        if (flagValues(argv, "oidc-client-id").length === 0) return "oidc-client-id is required when oidc-issuer-url is set";
    }
    for (const ca of flagValues(argv, "oidc-ca-file")) {
        if (!fs.existsSync(ca) || !fs.readFileSync(ca, "utf8").includes("BEGIN CERTIFICATE")) return "failed to read oidc-ca-file " + ca;
    }
    for (const a of auth) {
        if (!fs.existsSync(a)) return "failed to read authentication config file " + a;
        const text = fs.readFileSync(a, "utf8");
        const p = authConfigProblem(text);
        if (p) return p;
        if (parse(text).anonymous !== undefined && flagValues(argv, "anonymous-auth").length > 0) return "--anonymous-auth flag cannot be set when anonymous field is configured";
    }
    return undefined;
}
function anonymousAuth(argv) {
    const auth = flagValues(argv, "authentication-config");
    if (auth.length > 0) { const doc = parse(fs.readFileSync(auth[auth.length - 1], "utf8")); if (doc.anonymous) return doc.anonymous.enabled === true; }
    const flags = flagValues(argv, "anonymous-auth");
    return flags.length === 0 ? true : flags[flags.length - 1] !== "false";
}
const sha = (text) => "sha256:" + crypto.createHash("sha256").update(text).digest("hex");
// Prometheus text of a float the way Go prints it (e.g. 1.764412345123e+09).
const goFloat = (v) => v.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
// kube-apiserver's AuthenticationConfiguration reloader: it notices a changed file (reloadSeconds
// after its change), keeps the old one and counts a failure when the new one is invalid.
function metrics() {
    const st = JSON.parse(read("authn.json", "null"));
    if (!st) return "";
    if (fs.existsSync(st.path)) {
        const data = fs.readFileSync(st.path, "utf8");
        const age = (Date.now() - fs.statSync(st.path).mtimeMs) / 1000;
        if (data !== st.tracked && age >= (cfg.reloadSeconds || 0)) {
            let p = authConfigProblem(data);
            if (!p && JSON.stringify(parse(data).anonymous) !== JSON.stringify(st.anonymous)) p = "anonymous: Forbidden: changed from initial configuration file";
            const now = Date.now() / 1000;
            if (p) { st.failure += 1; st.failureAt = now; journal("E1128 reload.go:1] \"failed to validate authentication config\" err=\"" + p + "\""); }
            else { st.success += 1; st.successAt = now; st.hash = sha(data); journal("I1128 reload.go:1] \"reloaded authentication config\""); }
            st.tracked = data;
            put("authn.json", JSON.stringify(st));
        }
    }
    const id = "apiserver_id_hash=\"sha256:0123\"";
    const lines = [];
    for (const s of ["success", "failure"]) {
        if (st[s] > 0) {
            lines.push("apiserver_authentication_config_controller_automatic_reload_last_timestamp_seconds{" + id + ",status=\"" + s + "\"} " + goFloat(st[s + "At"]));
            lines.push("apiserver_authentication_config_controller_automatic_reloads_total{" + id + ",status=\"" + s + "\"} " + st[s]);
        }
    }
    lines.push("apiserver_authentication_config_controller_last_config_info{" + id + ",hash=\"" + st.hash + "\"} 1");
    return "# HELP apiserver_request_total [STABLE] Counter of apiserver requests.\napiserver_request_total{code=\"200\"} 42\n" + lines.join("\n") + "\n";
}
// K3s's logrus line of the kube-apiserver command line (logrus escapes " and \\ in msg).
function runningLine(argv) {
    const msg = ("Running kube-apiserver " + argv.join(" ")).replace(/\\/g, "\\\\").replace(/"/g, "\\\"");
    return "time=\"" + new Date().toISOString() + "\" level=info msg=\"" + msg + "\"";
}
// Required as a module (by tests/ssh/openrc.ts's stand-in K3s server, a long-running process under
// OpenRC), this file gives the same K3s rules instead of running a tool.
if (require.main !== module) {
    module.exports = { cfg, file, put, extraArgs, commandLine, problem, anonymousAuth, sha, parse, runningLine, flagValues, logFile: () => logFile };
    return;
}
switch (tool) {
case "systemctl": {
    const verb = args[0];
    const unit = (args[1] || "").replace(/\.service$/, "");
    if (verb === "cat") {
        if (unit !== cfg.service) { process.stderr.write("No files found for " + unit + ".service.\n"); process.exit(1); }
        process.stdout.write(unitFiles().map((f) => "# " + f + "\n" + fs.readFileSync(f, "utf8")).join("\n"));
        process.exit(0);
    }
    if (verb === "show-environment") {
        const env = cfg.managerEnvironment || {};
        process.stdout.write(Object.keys(env).sort().map((k) => environmentLine(k, env[k]) + "\n").join(""));
        process.exit(0);
    }
    if (verb === "show") {
        const props = [];
        let value = false;
        let unix = false;
        let us = false;
        let target = "";
        for (let i = 1; i < args.length; i++) {
            const a = args[i];
            if (a === "-p" || a === "--property") props.push(...args[++i].split(","));
            else if (a.startsWith("--property=")) props.push(...a.slice(11).split(","));
            else if (a === "--value") value = true;
            else if (a === "--timestamp=unix") unix = true;
            else if (a === "--timestamp=us+utc" || a === "--timestamp=us") us = true;
            else if (a.startsWith("--timestamp=")) { process.stderr.write("stand-in systemctl: " + a + " unsupported\n"); process.exit(2); }
            else target = a.replace(/\.service$/, "");
        }
        const known = target === cfg.service;
        const active = known && read("ready", "0") === "1";
        const st = known ? unitSettings() : { env: [], files: [] };
        const values = {
            ActiveState: [known ? (active ? "active" : "failed") : "inactive"],
            MainPID: [active ? "4242" : "0"],
            ExecMainStartTimestamp: [known ? (unix ? "@" + Math.floor(startedMs() / 1000) : systemdTime(startedMs(), us)) : ""],
            Environment: [st.env.join(" ")],
            EnvironmentFiles: st.files.map((f) => f.path + " (ignore_errors=" + (f.optional ? "yes" : "no") + ")"),
            FragmentPath: [known ? fragmentPath() : ""],
            DropInPaths: [known ? dropInPaths().join(" ") : ""],
        };
        for (const p of props) {
            if (!(p in values)) { process.stderr.write("stand-in systemctl: property " + p + " unsupported\n"); process.exit(2); }
            for (const v of values[p]) process.stdout.write((value ? "" : p + "=") + v + "\n");
        }
        process.exit(0);
    }
    if (verb === "restart") {
        if (unit !== cfg.service) { process.stderr.write("Failed to restart " + unit + ".service: Unit " + unit + ".service not found.\n"); process.exit(5); }
        // The restart is a systemd job: a signal to the systemctl client does not stop it.
        for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(sig, () => {});
        put("restart-ppid", String(process.ppid));
        put("ready", "0");
        put("started", String(Date.now()));
        // Counted last: a test that waits for this restart (restarts.log) then finds the rest of
        // its state written (not ready, its start), even when this call was starved in between.
        fs.appendFileSync(file("restarts.log"), unit + " " + Date.now() + "\n");
        const began = Date.now();
        if (cfg.restartSeconds) pause(cfg.restartSeconds * 1000);
        process.on("exit", () => fs.appendFileSync(file("restart-intervals.log"), began + " " + Date.now() + "\n"));
        let extra;
        let argv;
        let err;
        try { extra = extraArgs(); argv = commandLine(extra); err = problem(argv); } catch (e) { err = "failed to parse config: " + e.message; }
        if (err) {
            journal("E1128 12:00:00.000000 4242 run.go:72] \"command failed\" err=\"" + err + "\"");
            journal(unit + ".service: Main process exited, code=exited, status=1/FAILURE");
            process.stderr.write("Job for " + unit + ".service failed because the control process exited with error code.\n");
            process.exit(1);
        }
        put("apiserver-args.json", JSON.stringify(extra));
        put("command-line.json", JSON.stringify(argv));
        put("anonymous.json", JSON.stringify(anonymousAuth(argv)));
        const auth = flagValues(argv, "authentication-config");
        if (auth.length > 0) {
            const data = fs.readFileSync(auth[auth.length - 1], "utf8");
            put("authn.json", JSON.stringify({ path: auth[auth.length - 1], tracked: data, hash: sha(data), anonymous: parse(data).anonymous, success: 0, failure: 0 }));
        } else {
            fs.rmSync(file("authn.json"), { force: true });
        }
        put("ready", "1");
        const line = runningLine(argv);
        if (logFile) fs.appendFileSync(logFile, line + "\n"); else journal(line);
        journal("Started Lightweight Kubernetes.");
        // A hung client: the job is done, the client does not return and ignores TERM.
        if (cfg.clientHangSeconds) pause(cfg.clientHangSeconds * 1000);
        process.exit(0);
    }
    process.stderr.write("stand-in systemctl: unsupported " + args.join(" ") + "\n");
    process.exit(2);
}
case "journalctl": {
    const opt = (name) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
    if (opt("-u") !== cfg.service) { process.exit(0); }
    let lines = read("journal.log", "").split("\n").filter(Boolean);
    const since = opt("--since");
    if (since !== undefined) {
        if (!since.startsWith("@")) { process.stderr.write("stand-in journalctl: --since " + since + " unsupported\n"); process.exit(2); }
        lines = lines.filter((l) => Date.parse(l.slice(0, l.indexOf(" "))) >= Number(since.slice(1)) * 1000);
    }
    if (opt("-n") !== undefined) lines = lines.slice(-Number(opt("-n")));
    if (opt("-o") === "cat") lines = lines.map((l) => l.slice(l.indexOf(": ") + 2));
    process.stdout.write(lines.map((l) => l + "\n").join(""));
    process.exit(0);
}
case "k3s":
case "rke2": {
    if (args[0] === "--version" || args[0] === "-v") {
        process.stdout.write(tool + " version " + cfg.version + "+" + tool + "1 (0123abcd)\ngo version go1.23.4\n");
        process.exit(0);
    }
    if (args[0] === "kubectl" && args.includes("--raw=/readyz")) {
        // A test whose scenario needs K3s to have started N times (e.g. a crash loop that
        // supervise-daemon respawned) before the runbook's readiness wait can end holds the answer
        // until then, at most 15 s: on a starved machine the restart alone can use up a short
        // ready_timeout before the first respawn.
        const hold = Number(read("readyz-hold-starts", "0"));
        const starts = () => read("openrc-starts.log", "").split("\n").filter(Boolean).length;
        for (const until = Date.now() + 15000; hold > 0 && starts() < hold && Date.now() < until;) pause(100);
    }
    const up = read("ready", "0") === "1";
    if (args[0] === "kubectl" && (args.includes("--raw=/readyz") || args.includes("--raw=/metrics"))) {
        if (!up) {
            process.stderr.write("The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n");
            process.exit(1);
        }
        process.stdout.write(args.includes("--raw=/readyz") ? "ok" : metrics());
        process.exit(0);
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
        this.writeUnit(config);
        const js = path.join(this.binDir, "standin.js");
        fs.writeFileSync(js, STANDIN_JS
            .replace("__YAML__", JSON.stringify(require.resolve("yaml")))
            .replace("__K3S_CONFIG__", JSON.stringify(require.resolve("../k3s-config/k3s-config.js")))
            .replace("__STATE__", JSON.stringify(this.stateDir)));
        // Short calls run in this process's call server (a node process per call costs 50-100 ms of CPU).
        const serverPort = haveBash() ? standInServerPort() : undefined;
        for (const tool of ["systemctl", "journalctl", "k3s", "rke2"]) {
            const p = path.join(this.binDir, tool);
            fs.writeFileSync(p, clientScript(tool, js, process.execPath, serverPort), { mode: 0o755 });
            fs.chmodSync(p, 0o755);
        }
    }

    /** The unit file: the path `systemctl cat` shows first. */
    get unitFile(): string {
        return path.join(this.stateDir, "units", `${this.config().service}.service`);
    }

    /** Writes (or removes, when `text` is undefined) a unit drop-in `<unit>.service.d/<name>`. */
    unitDropIn(name: string, text: string | undefined): string {
        const p = path.join(`${this.unitFile}.d`, name);
        if (text === undefined) {
            fs.rmSync(p, { force: true });
        } else {
            fs.mkdirSync(path.dirname(p), { recursive: true });
            fs.writeFileSync(p, text);
        }
        return p;
    }

    /** When the running K3s started (epoch ms; its last restart), undefined before anything looked. */
    started(): number | undefined {
        const p = path.join(this.stateDir, "started");
        return fs.existsSync(p) ? Number(fs.readFileSync(p, "utf8")) : undefined;
    }

    /** Says that the running K3s started at `ms` (epoch milliseconds). */
    startedAt(ms: number): void {
        fs.writeFileSync(path.join(this.stateDir, "started"), String(ms));
    }

    private config(): StandInConfig {
        return JSON.parse(fs.readFileSync(path.join(this.stateDir, "config.json"), "utf8")) as StandInConfig;
    }

    /** The unit file as the K3s install script writes it (the parts the stand-ins read). */
    private writeUnit(config: StandInConfig): void {
        const exec = [`ExecStart=/usr/local/bin/${config.binary} \\`, "    server \\", ...(config.execStart ?? []).map((a) => `    '${a}' \\`)];
        const lines = [
            "[Unit]",
            "Description=Lightweight Kubernetes",
            "[Service]",
            "Type=notify",
            ...(config.environmentFiles ?? []).map((f) => `EnvironmentFile=${f}`),
            ...((config.environment ?? []).length > 0 ? [`Environment=${(config.environment ?? []).join(" ")}`] : []),
            exec.join("\n").replace(/ \\$/, ""),
        ];
        fs.mkdirSync(path.dirname(this.unitFile), { recursive: true });
        fs.writeFileSync(path.join(this.stateDir, "units", `${config.service}.service`), `${lines.join("\n")}\n`);
    }

    /**
     * Changes part of the config (e.g. the version) without wiping the state. A change of the
     * unit's settings rewrites the unit as it was when the running K3s started (its mtime is not
     * later than that start).
     */
    reconfigure(change: Partial<StandInConfig>): void {
        const p = path.join(this.stateDir, "config.json");
        const current = JSON.parse(fs.readFileSync(p, "utf8")) as StandInConfig;
        const next = { ...current, ...change };
        // Whole (then rename): a stand-in call still running (the server, a restart) may read it now.
        fs.writeFileSync(`${p}.tmp`, JSON.stringify(next));
        fs.renameSync(`${p}.tmp`, p);
        if ("execStart" in change || "environment" in change || "environmentFiles" in change || "service" in change) {
            this.writeUnit(next);
            const started = path.join(this.stateDir, "started");
            if (fs.existsSync(started)) {
                const t = new Date(Math.min(Date.now(), Number(fs.readFileSync(started, "utf8"))) - 1000);
                fs.utimesSync(this.unitFile, t, t);
            }
        }
    }

    state(): StandInState {
        const read = (n: string) => {
            const p = path.join(this.stateDir, n);
            return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined;
        };
        const json = <T>(n: string): T | undefined => {
            const text = read(n);
            return text === undefined ? undefined : JSON.parse(text) as T;
        };
        return {
            restarts: (read("restarts.log") ?? "").split("\n").filter(Boolean).length,
            ready: read("ready") === "1",
            apiserverArgs: json<string[]>("apiserver-args.json"),
            commandLine: json<string[]>("command-line.json"),
            anonymousAuth: json<boolean>("anonymous.json"),
            restartIntervals: (read("restart-intervals.log") ?? "").split("\n").filter(Boolean).map((l) => l.split(" ").map(Number) as [number, number]),
            journal: (read("journal.log") ?? "").split("\n").filter(Boolean),
        };
    }
}
