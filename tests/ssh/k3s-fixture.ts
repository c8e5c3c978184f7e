// The SSH fixture of the K3s script tests (tests/k3s-scripts*.test.ts): one throwaway OpenSSH
// server per test file with the stand-ins (tests/ssh/stand-ins.ts), a fresh K3s server directory
// per test, and the component's command texts taken from its mocked registration. A test file
// calls useK3sServer() in its describe; ssh, standIns and c are live bindings set by it and by
// freshServer(). The tests are split over several files so that mocha runs them in parallel.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { K3sOidcApiServer, K3sOidcApiServerArgs } from "../../components";
import { K3sOidcPlan } from "../../components/k3s/settings";
import { MockHarness, valueOf } from "../harness";
import { SshResult, SshServer } from "./sshd";
import { StandIns } from "./stand-ins";
import { PRIVATE_CA_PEM, SECOND_CA_PEM } from "../fixtures/private-ca";
import { runCommand } from "../../components/k3s/script";

export const ISSUER = "https://auth.example.com/application/o/headlamp/";
// Real certificates: K3sOidcApiServer parses issuerCaPem as X.509 (kube-apiserver would crash-loop on less).
export const CA1 = PRIVATE_CA_PEM;
export const CA2 = SECOND_CA_PEM;
export const USER_CONFIG = "# the user's own K3s config\nwrite-kubeconfig-mode: \"0600\"\nkube-apiserver-arg:\n  - audit-log-path=/var/log/k3s-audit.log\n  - audit-log-maxage=30\n";
export const USER_ARGS = ["audit-log-path=/var/log/k3s-audit.log", "audit-log-maxage=30"];
export const OIDC_ARGS = (clientId: string) => [
    `oidc-issuer-url=${ISSUER}`,
    `oidc-client-id=${clientId}`,
    "oidc-username-claim=email",
    "oidc-username-prefix=-",
    "oidc-groups-claim=groups",
    "oidc-groups-prefix=oidc:",
];
// One user per test process, so two suites running at once (two checkouts) never delete each other's user.
export const SUDO_USER = `hsso-sudo-${process.pid}`;

export interface Commands {
    create: string;
    update: string;
    delete: string;
    stdin: string;
    dropIn: string;
    authenticationConfig: string | undefined;
    /** The plan the component exports (planJson; the doctor's server checks read it). */
    plan: K3sOidcPlan;
}

export interface Case {
    root: string;
    configFile: string;
    dropIn: string;
    caFile: string;
    authConfig: string;
    backupDir: string;
}

export function exists(p: string): boolean {
    return fs.existsSync(p);
}

export function read(p: string): Buffer {
    return fs.readFileSync(p);
}

export let ssh: SshServer;
export let standIns: StandIns;
let n = 0;
export let c: Case;

/** Starts this file's sshd (with a sudo user) and the stand-ins before its tests; stops it after. */
export function useK3sServer(): void {
    before(async function () {
        ssh = await SshServer.start({ sudoUser: SUDO_USER });
        standIns = new StandIns(ssh.binDir, path.join(ssh.dir, "state"));
    });
    after(async () => {
        await ssh?.stop();
    });
}

/**
 * Test case `n`'s server root under `sshDir` (case-<n>), with <root>/etc/rancher/k3s/config.yaml
 * holding `userConfig` (mode 0600, as the K3s install script leaves it).
 */
export function caseRoot(sshDir: string, n: number, userConfig: string): { root: string; configFile: string } {
    const root = path.join(sshDir, `case-${n}`);
    const dir = path.join(root, "etc", "rancher", "k3s");
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const configFile = path.join(dir, "config.yaml");
    fs.writeFileSync(configFile, userConfig, { mode: 0o600 });
    return { root, configFile };
}

/** A fresh server: config.yaml with the user's own args, a ready API server, no restarts yet. */
export function freshServer(version = "v1.31.4", userConfig = USER_CONFIG): Case {
    n += 1;
    const { root, configFile } = caseRoot(ssh.dir, n, userConfig);
    const dir = path.dirname(configFile);
    standIns.install({ service: "k3s", configFile, version, binary: "k3s" });
    c = {
        root,
        configFile,
        dropIn: path.join(`${configFile}.d`, "oidc-dev.yaml"),
        caFile: path.join(dir, "oidc-dev-oidc-ca.pem"),
        authConfig: path.join(dir, "oidc-dev-authentication-config.yaml"),
        backupDir: path.join(dir, "headlamp-sso-backup", "oidc-dev"),
    };
    return c;
}

/** The command texts the component registers for these args (under mocks). */
export function commandsFor(args: Partial<K3sOidcApiServerArgs> = {}, options: CommandOptions = {}): Promise<Commands> {
    return registeredCommands(ssh, c.configFile, args, options);
}

/** Who runs the component, and where it sits (the stack and URN its owner line names). */
export interface CommandOptions { user?: string; stack?: string; name?: string; underParent?: boolean }

/**
 * The command texts K3sOidcApiServer registers (under mocks) for `configFile` on `server`; the
 * K3s script tests, the OpenRC tests and the doctor's server checks all run these.
 */
export async function registeredCommands(server: SshServer, configFile: string, args: Partial<K3sOidcApiServerArgs> = {}, options: CommandOptions = {}): Promise<Commands> {
    const h = await MockHarness.install({ stack: options.stack ?? "dev" });
    // A parent changes the URN (the type path) but not the stack: a component moved within it.
    const parent = options.underParent ? new pulumi.ComponentResource("test:index:Group", "group", {}, {}) : undefined;
    const component = new K3sOidcApiServer(options.name ?? "oidc-dev", {
        servers: [{ host: server.host, port: server.port, user: options.user ?? "root", privateKey: server.privateKey, hostKey: server.hostKey }],
        issuerUrl: ISSUER,
        clientId: "headlamp",
        configFile,
        readyTimeoutSeconds: 2,
        readyPollSeconds: 1,
        ...args,
    }, { parent });
    const dropIn = await valueOf(component.dropIn);
    const authenticationConfig = await valueOf(component.authenticationConfig);
    const plan = JSON.parse(await valueOf(component.planJson)) as K3sOidcPlan;
    await h.settle();
    const cmd = h.one("command:remote:Command");
    assert.strictEqual(cmd.inputs.connection.port, server.port);
    return { create: cmd.inputs.create, update: cmd.inputs.update, delete: cmd.inputs.delete, stdin: cmd.inputs.stdin, dropIn, authenticationConfig, plan };
}

/** Runs one of the commands over SSH with the script on stdin, as remote.Command does. */
export function run(cmds: Commands, which: "create" | "update" | "delete" = "create", user = "root"): SshResult {
    return ssh.exec(cmds[which], user, cmds.stdin);
}

export function ok(r: SshResult): SshResult {
    assert.strictEqual(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r;
}

export function failed(r: SshResult): SshResult {
    assert.notStrictEqual(r.code, 0, `expected a failure, got exit 0\nstdout:\n${r.stdout}`);
    return r;
}

export function listTree(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        // The lock file is the one thing every run creates (it holds no settings).
        for (const e of fs.readdirSync(d, { withFileTypes: true }).filter((x) => x.name !== ".headlamp-sso.lock")) {
            const p = path.join(d, e.name);
            out.push(p);
            if (e.isDirectory()) {
                walk(p);
            }
        }
    };
    walk(dir);
    return out.sort();
}

export interface Running {
    readonly done: Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts a command over SSH without waiting (the script on stdin), collecting its output. */
export function start(cmds: Commands, which: "create" | "update" | "delete" = "update"): Running {
    const child = ssh.spawn(cmds[which], "root", cmds.stdin);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on("data", (d: Buffer) => { stderr += d.toString(); });
    return { done: new Promise((resolve) => child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }))) };
}

/**
 * A server with the first apply done, then a change started over SSH (not awaited) whose
 * restart takes `seconds`; resolves once that restart has begun.
 */
export async function changeInRestart(args: Partial<K3sOidcApiServerArgs>, seconds: number): Promise<{ cmds: Commands; running: Running; before: Buffer }> {
    freshServer();
    ok(run(await commandsFor(), "create"));
    const before = read(c.dropIn);
    standIns.reconfigure({ restartSeconds: seconds });
    const cmds = await commandsFor(args);
    const running = start(cmds);
    await waitFor("the change's restart", () => standIns.state().restarts === 2);
    return { cmds, running, before };
}

export async function waitFor(what: string, test: () => boolean, ms = 10000): Promise<void> {
    const until = Date.now() + ms;
    while (!test()) {
        if (Date.now() > until) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 25));
    }
}

export function sessionOf(pid: number): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
    } catch {
        return undefined;
    }
}

/**
 * Sends `signal` to every process of the login session that runs the script (as systemd does
 * when it stops a session; SIGKILL stands for a reboot or the OOM killer). The session is found
 * through the stand-in restart's parent (the script's `timeout`).
 */
export function signalScriptSession(signal: NodeJS.Signals): number {
    const parent = Number(fs.readFileSync(path.join(ssh.dir, "state", "restart-ppid"), "utf8"));
    const sid = sessionOf(parent);
    assert.ok(sid !== undefined && sid > 1, "the script's session");
    const pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => sessionOf(pid) === sid);
    for (const pid of pids) {
        try {
            process.kill(pid, signal);
        } catch {
            // already gone
        }
    }
    return pids.length;
}

/** A server after a first apply: K3s runs since that apply's restart. */
export async function appliedAndRunning(args: Partial<K3sOidcApiServerArgs> = {}): Promise<Commands> {
    freshServer();
    const cmds = await commandsFor(args);
    ok(run(cmds, "create"));
    return cmds;
}

/**
 * Marks `file` as edited after the running K3s started: its mtime 2 s after that start (file
 * times are compared in whole seconds, and a test edits within the start's second).
 */
export function editedAfterStart(file: string): string {
    const started = standIns.started();
    assert.ok(started !== undefined, "K3s has started");
    const t = new Date(started + 2000);
    fs.utimesSync(file, t, t);
    return file;
}

/** Asserts a pending-edit refusal naming `file`: nothing written, no restart, still ready. */
export function refusedPending(r: SshResult, file: string, tree: string[], restarts: number): void {
    assert.match(r.stderr, /ERROR: refusing to change anything: these files k3s reads at start changed after it started at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, so a restart now would apply them together with ours/);
    assert.ok(r.stderr.includes(`\n  - ${file} (modified `), r.stderr);
    assert.match(r.stderr, /\nRestart k3s yourself and check that it comes up, then run pulumi up again\n/);
    assert.deepStrictEqual(listTree(c.root), tree, "nothing written");
    assert.strictEqual(standIns.state().restarts, restarts, "no restart");
    assert.ok(standIns.state().ready, "the API server still runs what it ran");
}

/** Runs `inspect` with the component's script on stdin; returns its keys (lists in order). */
export function inspect(cmds: Commands): { keys: Map<string, string[]>; r: SshResult } {
    const r = ssh.exec(runCommand("inspect", { sudo: false }), "root", cmds.stdin);
    const keys = new Map<string, string[]>();
    for (const line of r.stdout.split("\n").filter(Boolean)) {
        const m = /^([a-z.]+)=(.*)$/.exec(line);
        assert.ok(m, `only key=value lines on stdout: ${JSON.stringify(line)}`);
        keys.set(m[1], [...(keys.get(m[1]) ?? []), m[2]]);
    }
    return { keys, r };
}

/** Every file under the case's root and the unit directory, with its mtime and content. */
export function snapshot(): string[] {
    return [...listTree(c.root), ...listTree(path.dirname(standIns.unitFile))].map((p) => {
        const st = fs.statSync(p);
        return `${p} ${st.mtimeMs} ${st.isFile() ? read(p).toString("base64") : "dir"}`;
    });
}
