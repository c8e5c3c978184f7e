// K3s under a REAL OpenRC (Debian's openrc 0.45, the same openrc-run and supervise-daemon as
// Alpine's): an /etc/init.d/<service> shaped like the one K3s's install script writes
// (k3s-io/k3s install.sh, create_openrc_service_file: `#!/sbin/openrc-run`,
// supervisor=supervise-daemon, command=<bin>/k3s, command_args="server <args> >>LOG 2>&1",
// output_log/error_log LOG, pidfile, respawn_delay, respawn_max=0, then `set -o allexport` and
// `. /etc/environment`, `. <env file>`), started and restarted with `rc-service`, supervising a
// stand-in K3s server: a long-running node process that follows the same K3s rules as the systemd
// stand-in (tests/ssh/stand-ins.ts, required as a module: the config files and K3S_CONFIG_FILE
// from its real environment, --config from its real argv, the kube-apiserver command line, the
// crashes). Like K3s it writes its log lines to stdout, which supervise-daemon appends to the log
// file; on a crash it exits 1 and supervise-daemon respawns it after respawn_delay. While it runs
// and started well, `k3s kubectl get --raw=/readyz` (the stand-in tool) says ok.
//
// Everything is named by the test: the service name (unique per run, e.g. with process.pid), the
// log, pid and env files under the test's temp directory. remove() stops the service, zaps its
// OpenRC state and deletes the init script.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StandIns } from "./stand-ins";

/** OpenRC's state directory (RC_SVCDIR on Debian and Alpine). */
export const OPENRC_DIR = "/run/openrc";

/** True when this machine has OpenRC's tools (Debian: apt-get install openrc, as .ci/run does). */
export function openRcAvailable(): boolean {
    return fs.existsSync("/sbin/openrc-run") && fs.existsSync("/usr/sbin/rc-service") && process.getuid?.() === 0;
}

/**
 * OpenRC runs services without being PID 1 once its state directory says a runlevel is up:
 * `mkdir -p /run/openrc && touch /run/openrc/softlevel` (FACTS.md). Left in place: it is the
 * machine's, not a test's.
 */
export function prepareOpenRc(): void {
    fs.mkdirSync(OPENRC_DIR, { recursive: true });
    const softlevel = path.join(OPENRC_DIR, "softlevel");
    if (!fs.existsSync(softlevel)) {
        fs.writeFileSync(softlevel, "");
    }
}

/**
 * The supervise-daemon processes of `service` (argv[1] is the service name: `supervise-daemon
 * <service> --start ...`) and the children they supervise, by PID.
 */
export function supervisorsOf(service: string): { supervisors: number[]; children: number[] } {
    const supervisors: number[] = [];
    const parents = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
        try {
            const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
            if (path.basename(argv[0]) === "supervise-daemon" && argv[1] === service) {
                supervisors.push(Number(entry));
            }
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
        } catch {
            // Gone meanwhile.
        }
    }
    const children = [...parents].filter(([, ppid]) => supervisors.includes(ppid)).map(([pid]) => pid);
    return { supervisors, children };
}

/** The stand-in K3s server's file name (one copy per test, under the test's root). */
export const SERVER_FILE = "openrc-k3s-server.js";

/** Ends the stand-in K3s servers started from a server file under `dir` that are still running (e.g. a child a supervisor left behind), by PID. */
export function endServers(dir: string): void {
    for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
        try {
            const file = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[1] ?? "";
            if (file.startsWith(`${dir}/`) && path.basename(file) === SERVER_FILE) {
                process.kill(Number(entry), "SIGTERM");
            }
        } catch {
            // Gone meanwhile.
        }
    }
}

/** Ends the supervisors of `service` and their children that `rc-service stop` left (TERM, by PID). */
function endSupervisors(service: string): void {
    const { supervisors, children } = supervisorsOf(service);
    for (const pid of [...supervisors, ...children]) {
        try {
            process.kill(pid, "SIGTERM");
        } catch {
            // Already gone.
        }
    }
    fs.rmSync(path.join(OPENRC_DIR, `supervise-${service}.ctl`), { force: true });
}

/**
 * Removes what an earlier test run that was killed left behind: the services named
 * hsso-k3s-<pid>-<n> (init scripts, supervisors) whose test process <pid> is gone (stopped and
 * zapped first).
 */
export function removeStaleServices(): void {
    // Init scripts, and supervisors whose init script is gone already.
    const names = new Set(fs.readdirSync("/etc/init.d").filter((n) => /^hsso-k3s-\d+-\d+$/.test(n)));
    for (const entry of fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
        try {
            const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
            if (path.basename(argv[0]) === "supervise-daemon" && /^hsso-k3s-\d+-\d+$/.test(argv[1] ?? "")) {
                names.add(argv[1]);
            }
        } catch {
            // Gone meanwhile.
        }
    }
    for (const name of names) {
        const pid = Number(name.split("-")[2]);
        let alive = true;
        try {
            process.kill(pid, 0);
        } catch {
            alive = false;
        }
        if (!alive) {
            if (fs.existsSync(`/etc/init.d/${name}`)) {
                sh("rc-service", [name, "stop"]);
                sh("rc-service", [name, "zap"]);
            }
            endSupervisors(name);
            fs.rmSync(`/etc/init.d/${name}`, { force: true });
        }
    }
}

export interface OpenRcK3sOptions {
    /** K3s's args after `server` in command_args (each single-quoted, as the install script's quote()). */
    args?: string[];
    /** Lines of the env file the init script sources with allexport (the install script's /etc/rancher/k3s/<name>.env). */
    env?: string[];
    /** respawn_delay (seconds; the install script: 5). Default 1. */
    respawnDelay?: number;
    /**
     * false: the server becomes ready without writing its "Running kube-apiserver" line where the
     * runbook reads (a fault switch: K3s's lines going to a file the read-back does not look at).
     */
    commandLineLogged?: boolean;
    /** A shell command the init script runs before the service stops (its stop_pre()). */
    stopPre?: string;
}

/** The stand-in K3s server (its argv: `server <args>`), run by supervise-daemon. */
const SERVER_JS = String.raw`
"use strict";
const fs = require("fs");
const S = require(__STANDIN__);
const ocfg = JSON.parse(fs.readFileSync(__OPENRC_CFG__, "utf8"));
const argv = process.argv.slice(2);
const cli = argv.slice(argv.indexOf("server") + 1);
// K3s's args come from its real command line, K3S_CONFIG_FILE from its real environment (what
// openrc-run gave it: the init script's allexport of the files it sources); the systemd stand-in's
// rules then read them as K3s does (--config over K3S_CONFIG_FILE over the default).
S.cfg.execStart = cli;
S.cfg.managerEnvironment = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(K3S|RKE2)_/.test(k)));
// Stopping (K3s handles SIGTERM from its first moment): not ready, unless a newer start has taken
// over (supervise-daemon may start the next child before this one has ended).
const stop = () => {
    if (fs.readFileSync(S.file("ready-pid"), "utf8") === String(process.pid)) S.put("ready", "0");
    process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
S.put("ready", "0");
S.put("ready-pid", String(process.pid));
fs.appendFileSync(S.file("openrc-starts.log"), Date.now() + " " + process.pid + "\n");
const out = (line) => process.stdout.write(line + "\n");
let extra;
let line;
let err;
try { extra = S.extraArgs(); line = S.commandLine(extra); err = S.problem(line); } catch (e) { err = "failed to parse config: " + e.message; }
if (err) {
    out("time=\"" + new Date().toISOString() + "\" level=fatal msg=\"" + err.replace(/"/g, "\\\"") + "\"");
    process.exit(1);
}
S.put("apiserver-args.json", JSON.stringify(extra));
S.put("command-line.json", JSON.stringify(line));
S.put("anonymous.json", JSON.stringify(S.anonymousAuth(line)));
fs.rmSync(S.file("authn.json"), { force: true });
if (ocfg.commandLineLogged !== false) {
    const logFile = S.logFile();
    if (logFile) fs.appendFileSync(logFile, S.runningLine(line) + "\n"); else out(S.runningLine(line));
}
out("time=\"" + new Date().toISOString() + "\" level=info msg=\"k3s is up and running\"");
S.put("ready", "1");
S.put("ready-pid", String(process.pid));
setInterval(() => {}, 1 << 30);
`;

function sh(cmd: string, args: string[]): { code: number; out: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** One K3s server under OpenRC. */
export class OpenRcK3s {
    readonly initScript: string;
    readonly logFile: string;
    readonly pidFile: string;
    readonly envFile: string;
    /** This test's own copies of the server, the stand-in rules and the `k3s` the init script runs. */
    readonly binDir: string;
    readonly command: string;

    constructor(readonly standIns: StandIns, readonly service: string, readonly root: string) {
        if (!/^hsso-[a-z0-9-]+$/.test(service)) {
            throw new Error(`test service names start with hsso- (got ${service})`);
        }
        this.initScript = `/etc/init.d/${service}`;
        this.logFile = path.join(root, "var", "log", `${service}.log`);
        this.pidFile = path.join(root, "run", `${service}.pid`);
        this.envFile = path.join(root, "etc", "rancher", "k3s", `${service}.env`);
        this.binDir = path.join(root, "bin");
        this.command = path.join(this.binDir, "k3s");
    }

    /** Writes the server, the `k3s` command that runs it, the env file and the init script (after standIns.install). */
    install(options: OpenRcK3sOptions = {}): void {
        const bin = this.standIns.binDir;
        // The server and the stand-in rules it requires are this test's own copies (under its root):
        // the sessions' bin directory is shared by the file's tests, and standIns.install() rewrites
        // its standin.js for each test's state, while the previous test's service may still be
        // stopping or respawning a child (which must write into its own test's state, not this one's).
        fs.mkdirSync(this.binDir, { recursive: true, mode: 0o755 });
        const standin = path.join(this.binDir, "standin.js");
        fs.copyFileSync(path.join(bin, "standin.js"), standin);
        const server = path.join(this.binDir, SERVER_FILE);
        const ocfg = path.join(this.standIns.stateDir, "openrc.json");
        fs.writeFileSync(ocfg, JSON.stringify({ commandLineLogged: options.commandLineLogged }));
        fs.writeFileSync(server, SERVER_JS
            .replace("__STANDIN__", JSON.stringify(standin))
            .replace("__OPENRC_CFG__", JSON.stringify(ocfg)));
        // `k3s server ...` (the init script's command) is the server; every other k3s command is the stand-in tool.
        const k3s = path.join(bin, "k3s");
        const tools = path.join(bin, "k3s-standin-tool");
        if (!fs.readFileSync(k3s, "utf8").includes(SERVER_FILE)) {
            fs.renameSync(k3s, tools);
        }
        const wrapper = (serverJs: string) => `#!/bin/sh\nif [ "$1" = server ]; then exec ${JSON.stringify(process.execPath)} ${JSON.stringify(serverJs)} "$@"; fi\nexec ${JSON.stringify(tools)} "$@"\n`;
        fs.writeFileSync(k3s, wrapper(server), { mode: 0o755 });
        fs.writeFileSync(this.command, wrapper(server), { mode: 0o755 });
        // The real rc-service, each call recorded first (what the runbook asked OpenRC to do: the
        // restarts are counted from it; the server's starts also count supervise-daemon's respawns).
        fs.writeFileSync(path.join(bin, "rc-service"), `#!/bin/sh\nprintf "%s\\n" "$*" >> ${JSON.stringify(this.rcLog)}\nexec /usr/sbin/rc-service "$@"\n`, { mode: 0o755 });
        for (const d of [this.logFile, this.pidFile, this.envFile]) {
            fs.mkdirSync(path.dirname(d), { recursive: true, mode: 0o755 });
        }
        fs.writeFileSync(this.envFile, (options.env ?? []).map((l) => `${l}\n`).join(""), { mode: 0o600 });
        this.writeInitScript(options);
        // Not running until rc-service starts it.
        fs.writeFileSync(path.join(this.standIns.stateDir, "ready"), "0");
    }

    /** The init script as the install script writes it (without depend(): this machine's other services are not ours to start). */
    writeInitScript(options: OpenRcK3sOptions = {}): void {
        const quoted = (options.args ?? []).map((a) => `\t'${a}' \\\n`).join("");
        const text = [
            "#!/sbin/openrc-run",
            "",
            "supervisor=supervise-daemon",
            `name=${this.service}`,
            `command="${this.command}"`,
            `command_args="server \\\n${quoted}    >>${this.logFile} 2>&1"`,
            "",
            `output_log=${this.logFile}`,
            `error_log=${this.logFile}`,
            "",
            `pidfile="${this.pidFile}"`,
            `respawn_delay=${options.respawnDelay ?? 1}`,
            "respawn_max=0",
            "",
            "set -o allexport",
            "if [ -f /etc/environment ]; then . /etc/environment; fi",
            `if [ -f ${this.envFile} ]; then . ${this.envFile}; fi`,
            "set +o allexport",
            "",
            ...(options.stopPre ? [`stop_pre() {\n\t${options.stopPre}\n\treturn 0\n}`, ""] : []),
        ].join("\n");
        fs.writeFileSync(this.initScript, text, { mode: 0o755 });
    }

    /** `rc-service <service> <verb>` on this machine. */
    rc(verb: string): { code: number; out: string } {
        return sh("rc-service", [this.service, verb]);
    }

    /** Starts the service and waits until the server is ready (or throws with its log). */
    async start(): Promise<void> {
        const before = this.starts();
        const r = this.rc("start");
        if (r.code !== 0) {
            throw new Error(`rc-service ${this.service} start failed (${r.code}): ${r.out}`);
        }
        await this.waitReady(5000, before);
    }

    /**
     * Waits until a server started after `startsBefore` starts is ready. Also the check that a run
     * left the server ready: right after a run the state can be caught mid-write (a start writes
     * "0", then "1") by a second supervise-daemon of the same service that is still starting its
     * child. OpenRC starts one whenever another service's `rc-service restart` overlaps this
     * service's restart (another test file's, or the previous test's service stopping in the
     * background): openrc-run's restart lists every service in state started before it stops its
     * own, and afterwards starts each of them that is stopped by then, dependency or not
     * (openrc-run.c: svc_restart, get_started_services, start_services), and this service is
     * stopped between its own stop and start. A server that stays down still fails, with its log.
     */
    async waitReady(ms: number, startsBefore = 0): Promise<void> {
        const until = Date.now() + ms;
        const ready = () => fs.readFileSync(path.join(this.standIns.stateDir, "ready"), "utf8") === "1";
        while (this.starts() <= startsBefore || !ready()) {
            if (Date.now() > until) {
                throw new Error(`${this.service} not ready within ${ms} ms; log:\n${this.log()}`);
            }
            await new Promise((r) => setTimeout(r, 50));
        }
    }

    /** Where the rc-service calls over SSH are recorded. */
    get rcLog(): string {
        return path.join(this.standIns.stateDir, "rc-service.log");
    }

    /** The rc-service calls over SSH, in order (e.g. "hsso-k3s-1-1 stop"). */
    rcCalls(): string[] {
        return fs.existsSync(this.rcLog) ? fs.readFileSync(this.rcLog, "utf8").split("\n").filter(Boolean) : [];
    }

    /** How many times the runbook restarted the service (`rc-service <service> stop`, then `start`). */
    restarts(): number {
        return this.rcCalls().filter((l) => l === `${this.service} start`).length;
    }

    /** How many times the server process started (rc-service start and restart, and respawns). */
    starts(): number {
        const p = path.join(this.standIns.stateDir, "openrc-starts.log");
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8").split("\n").filter(Boolean).length : 0;
    }

    /** The start log (epoch ms and PID of each start), for failure messages. */
    startsLog(): string {
        const p = path.join(this.standIns.stateDir, "openrc-starts.log");
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "";
    }

    /** The PID supervise-daemon supervises (OpenRC's record), undefined when none. */
    childPid(): number | undefined {
        const p = path.join(OPENRC_DIR, "options", this.service, "child_pid");
        return fs.existsSync(p) ? Number(fs.readFileSync(p, "utf8").trim()) : undefined;
    }

    log(): string {
        return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8") : "";
    }

    /**
     * Stops the service, zaps its OpenRC state and removes the init script (the files under root
     * go with the test's temp directory). supervise-daemon takes a second or two to stop, so it
     * runs in the background: await the promise before removing the directories it writes to.
     */
    remove(): Promise<void> {
        const service = this.service;
        const script = this.initScript;
        return new Promise((resolve) => {
            const child = spawn("sh", ["-c", 'if [ -f "$1" ]; then rc-service "$2" stop; rc-service "$2" zap; fi; rm -f "$1"', "sh", script, service], { stdio: "ignore" });
            child.on("exit", () => {
                // A supervisor OpenRC no longer tracks ends too (one left by a restart a timeout cut
                // short, or a second one another service's restart started: see waitReady).
                endSupervisors(service);
                for (const d of ["options", "daemons", "started", "failed", "starting", "stopping", "inactive", "wasinactive", "scheduled", "exclusive"]) {
                    fs.rmSync(path.join(OPENRC_DIR, d, service), { recursive: true, force: true });
                }
                resolve();
            });
        });
    }
}
