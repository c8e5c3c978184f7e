// The remote scripts of K3sOidcApiServer, run for real: the exact create/update/delete command text
// the component passes to remote.Command (taken from the mocked registration) goes over SSH to a
// throwaway OpenSSH server on 127.0.0.1, against a temporary configFile and stand-in
// systemctl/journalctl/k3s executables that behave like a K3s server (see tests/ssh/stand-ins.ts).
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { K3sOidcApiServer, K3sOidcApiServerArgs } from "../components";
import { MockHarness, valueOf } from "./harness";
import { SshResult, SshServer } from "./ssh/sshd";
import { StandIns } from "./ssh/stand-ins";
import { PRIVATE_CA_PEM, SECOND_CA_PEM } from "./fixtures/private-ca";
import { runCommand } from "../components/k3s/script";

const ISSUER = "https://auth.example.com/application/o/headlamp/";
// Real certificates: K3sOidcApiServer parses issuerCaPem as X.509 (kube-apiserver would crash-loop on less).
const CA1 = PRIVATE_CA_PEM;
const CA2 = SECOND_CA_PEM;
const USER_CONFIG = "# the user's own K3s config\nwrite-kubeconfig-mode: \"0600\"\nkube-apiserver-arg:\n  - audit-log-path=/var/log/k3s-audit.log\n  - audit-log-maxage=30\n";
const USER_ARGS = ["audit-log-path=/var/log/k3s-audit.log", "audit-log-maxage=30"];
const OIDC_ARGS = (clientId: string) => [
    `oidc-issuer-url=${ISSUER}`,
    `oidc-client-id=${clientId}`,
    "oidc-username-claim=email",
    "oidc-username-prefix=-",
    "oidc-groups-claim=groups",
    "oidc-groups-prefix=oidc:",
];
// One user per test process, so two suites running at once (two checkouts) never delete each other's user.
const SUDO_USER = `hsso-sudo-${process.pid}`;

interface Commands {
    create: string;
    update: string;
    delete: string;
    stdin: string;
    dropIn: string;
    authenticationConfig: string | undefined;
}

interface Case {
    root: string;
    configFile: string;
    dropIn: string;
    caFile: string;
    authConfig: string;
    backupDir: string;
}

function exists(p: string): boolean {
    return fs.existsSync(p);
}

function read(p: string): Buffer {
    return fs.readFileSync(p);
}

describe("K3sOidcApiServer scripts over a real SSH server", function () {
    this.timeout(60000);
    let ssh: SshServer;
    let standIns: StandIns;
    let n = 0;
    let c: Case;

    before(async function () {
        ssh = await SshServer.start({ sudoUser: SUDO_USER });
        standIns = new StandIns(ssh.binDir, path.join(ssh.dir, "state"));
    });
    after(async () => {
        await ssh?.stop();
    });

    /** A fresh server: config.yaml with the user's own args, a ready API server, no restarts yet. */
    function freshServer(version = "v1.31.4", userConfig = USER_CONFIG): Case {
        n += 1;
        const root = path.join(ssh.dir, `case-${n}`);
        const dir = path.join(root, "etc", "rancher", "k3s");
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        const configFile = path.join(dir, "config.yaml");
        fs.writeFileSync(configFile, userConfig, { mode: 0o600 });
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
    async function commandsFor(args: Partial<K3sOidcApiServerArgs> = {}, options: { user?: string; stack?: string; name?: string; underParent?: boolean } = {}): Promise<Commands> {
        const h = await MockHarness.install({ stack: options.stack ?? "dev" });
        // A parent changes the URN (the type path) but not the stack: a component moved within it.
        const parent = options.underParent ? new pulumi.ComponentResource("test:index:Group", "group", {}, {}) : undefined;
        const component = new K3sOidcApiServer(options.name ?? "oidc-dev", {
            servers: [{ host: ssh.host, port: ssh.port, user: options.user ?? "root", privateKey: ssh.privateKey, hostKey: ssh.hostKey }],
            issuerUrl: ISSUER,
            clientId: "headlamp",
            configFile: c.configFile,
            readyTimeoutSeconds: 2,
            readyPollSeconds: 1,
            ...args,
        }, { parent });
        const dropIn = await valueOf(component.dropIn);
        const authenticationConfig = await valueOf(component.authenticationConfig);
        await h.settle();
        const cmd = h.one("command:remote:Command");
        assert.strictEqual(cmd.inputs.connection.port, ssh.port);
        return { create: cmd.inputs.create, update: cmd.inputs.update, delete: cmd.inputs.delete, stdin: cmd.inputs.stdin, dropIn, authenticationConfig };
    }

    /** Runs one of the commands over SSH with the script on stdin, as remote.Command does. */
    function run(cmds: Commands, which: "create" | "update" | "delete" = "create", user = "root"): SshResult {
        return ssh.exec(cmds[which], user, cmds.stdin);
    }

    function ok(r: SshResult): SshResult {
        assert.strictEqual(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
        return r;
    }

    function failed(r: SshResult): SshResult {
        assert.notStrictEqual(r.code, 0, `expected a failure, got exit 0\nstdout:\n${r.stdout}`);
        return r;
    }

    function listTree(dir: string): string[] {
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

    it("first apply: installs the drop-in (root, 0600), restarts once, keeps config.yaml and its kube-apiserver-arg list", async () => {
        freshServer();
        const cmds = await commandsFor();
        const r = ok(run(cmds, "create"));
        assert.match(r.stdout, /installed .*oidc-dev\.yaml/);
        assert.match(r.stdout, /API server ready after \d+s/);
        const s = standIns.state();
        assert.strictEqual(s.restarts, 1);
        assert.ok(s.ready);
        assert.strictEqual(read(c.dropIn).toString(), cmds.dropIn, "the drop-in is byte for byte the component's dropIn output");
        const st = fs.statSync(c.dropIn);
        assert.strictEqual(st.mode & 0o777, 0o600);
        assert.strictEqual(st.uid, 0);
        assert.strictEqual(read(c.configFile).toString(), USER_CONFIG, "config.yaml untouched");
        assert.deepStrictEqual(s.apiserverArgs, [...USER_ARGS, ...OIDC_ARGS("headlamp")], "the user's args stay, ours are appended");
        assert.match(r.stdout, /applied: k3s on this server trusts https:\/\/auth\.example\.com\/application\/o\/headlamp\/ for client headlamp\n/);
        assert.ok(!exists(path.dirname(c.backupDir)), "the backup is dropped once the change is in force");
        assert.deepStrictEqual(fs.readdirSync(`${c.configFile}.d`), ["oidc-dev.yaml"], "no temp file left behind");
    });

    it("re-apply with no change: nothing written, zero restarts (create and update alike)", async () => {
        freshServer();
        const cmds = await commandsFor();
        ok(run(cmds, "create"));
        const before = fs.statSync(c.dropIn).mtimeMs;
        const again = ok(run(cmds, "create"));
        const update = ok(run(cmds, "update"));
        for (const r of [again, update]) {
            assert.match(r.stdout, /no change: .*oidc-dev\.yaml is already up to date and the API server is ready; nothing written, no restart/);
            assert.doesNotMatch(r.stdout, /restarting/);
        }
        assert.strictEqual(standIns.state().restarts, 1, "only the first apply restarted");
        assert.strictEqual(fs.statSync(c.dropIn).mtimeMs, before);
    });

    it("a change: backs up the old drop-in, installs the new one, restarts once, drops the backup after success", async () => {
        freshServer();
        const first = await commandsFor();
        ok(run(first, "create"));
        const oldBytes = read(c.dropIn);
        const changed = await commandsFor({ clientId: "headlamp-2", groupsPrefix: "sso:" });
        const r = ok(run(changed, "update"));
        assert.match(r.stdout, /backed up the previous files/);
        const s = standIns.state();
        assert.strictEqual(s.restarts, 2);
        assert.strictEqual(read(c.dropIn).toString(), changed.dropIn);
        assert.ok(!read(c.dropIn).equals(oldBytes));
        assert.ok(!exists(path.dirname(c.backupDir)), "no backup left behind after success");
        assert.deepStrictEqual(s.apiserverArgs, [
            ...USER_ARGS,
            ...OIDC_ARGS("headlamp-2").filter((a) => !a.startsWith("oidc-groups-prefix")),
            "oidc-groups-prefix=sso:",
        ]);
    });

    it("readiness failure: restores every file byte for byte, the API server is ready again, fails with the journal lines", async () => {
        freshServer();
        const good = await commandsFor({ issuerCaPem: CA1 });
        ok(run(good, "create"));
        const before = { dropIn: read(c.dropIn), ca: read(c.caFile), dropInMode: fs.statSync(c.dropIn).mode, caMode: fs.statSync(c.caFile).mode };
        assert.ok(before.ca.toString().endsWith(CA1));
        assert.strictEqual(before.caMode & 0o777, 0o644);

        const bad = await commandsFor({ clientId: "fail-readiness", issuerCaPem: CA2 });
        const r = failed(run(bad, "update"));
        assert.match(r.stdout, /restoring the previous files/);
        assert.match(r.stderr, /new OIDC settings rolled back: the API server did not become ready within 2s\. The previous files were restored byte for byte and k3s is ready again\./);
        assert.match(r.stderr, /Last API server lines of journalctl -u k3s:\n[\s\S]*"command failed" err="invalid argument: fail-readiness \(test switch\)"/);
        assert.match(r.stderr, /k3s\.service: Main process exited, code=exited, status=1\/FAILURE/);
        assert.ok(read(c.dropIn).equals(before.dropIn), "drop-in restored byte for byte");
        assert.ok(read(c.caFile).equals(before.ca), "CA file restored byte for byte");
        assert.strictEqual(fs.statSync(c.dropIn).mode, before.dropInMode);
        assert.strictEqual(fs.statSync(c.caFile).mode, before.caMode);
        const s = standIns.state();
        assert.ok(s.ready, "ready again");
        assert.strictEqual(s.restarts, 3, "apply, failed apply, rollback");
        assert.ok(s.apiserverArgs?.includes("oidc-client-id=headlamp"), "running with the previous args");
        assert.deepStrictEqual(fs.readdirSync(`${c.configFile}.d`), ["oidc-dev.yaml"], "no temp file left behind");
    });

    it("readiness failure on the first apply removes what it added", async () => {
        freshServer();
        const bad = await commandsFor({ clientId: "fail-readiness" });
        const r = failed(run(bad, "create"));
        assert.match(r.stdout, /removed .*oidc-dev\.yaml \(it did not exist before\)/);
        assert.ok(!exists(c.dropIn));
        assert.ok(standIns.state().ready);
        assert.deepStrictEqual(standIns.state().apiserverArgs, USER_ARGS);
    });

    it("conflicting oidc-* args in config.yaml: structured mode refuses before any write", async () => {
        freshServer("v1.31.4", `${USER_CONFIG}  - oidc-issuer-url=https://old.example.com/\n`);
        const tree = listTree(c.root);
        const cmds = await commandsFor({ mode: "structured" });
        const r = failed(run(cmds, "create"));
        assert.match(r.stderr, /ERROR: refusing to change anything; our OIDC settings would not be the ones in force:\n {2}- .*config\.yaml sets the kube-apiserver arg oidc-issuer-url: ours must be the only OIDC configuration/);
        assert.deepStrictEqual(listTree(c.root), tree, "nothing written, not even the .d directory or a backup");
        assert.strictEqual(standIns.state().restarts, 0);
    });

    it("an authentication-config in another drop-in: flags mode refuses before any write", async () => {
        freshServer();
        fs.mkdirSync(`${c.configFile}.d`);
        const other = path.join(`${c.configFile}.d`, "50-structured.yaml");
        fs.writeFileSync(other, "kube-apiserver-arg+:\n  - --authentication-config=/etc/rancher/k3s/auth.yaml\n");
        const tree = listTree(c.root);
        const r = failed(run(await commandsFor(), "create"));
        assert.match(r.stderr, /refusing to change anything;[\s\S]*50-structured\.yaml sets authentication-config: it cannot be combined with the --oidc-\* args of flags mode/);
        assert.deepStrictEqual(listTree(c.root), tree);
        assert.strictEqual(standIns.state().restarts, 0);
    });

    it("commented-out OIDC args are not conflicts", async () => {
        freshServer("v1.31.4", `${USER_CONFIG}#  - oidc-issuer-url=https://old.example.com/\n`);
        ok(run(await commandsFor({ mode: "structured" }), "create"));
        assert.strictEqual(standIns.state().restarts, 1);
    });

    it("a missing service is refused before any write", async () => {
        freshServer();
        const tree = listTree(c.root);
        const r = failed(run(await commandsFor({ serviceName: "k3s-agent" }), "create"));
        assert.match(r.stderr, /service k3s-agent not found: systemd does not know it \(systemctl is not installed, or systemctl cat k3s-agent failed\) and \/etc\/init\.d\/k3s-agent is not an OpenRC script[^\n]*Set serviceName/);
        assert.deepStrictEqual(listTree(c.root), tree);
    });

    it("structured mode: Kubernetes version preflight for v1beta1 (1.30+) and v1 (1.34+)", async () => {
        freshServer("v1.29.9");
        let r = failed(run(await commandsFor({ mode: "structured" }), "create"));
        assert.match(r.stderr, /Kubernetes 1\.29 is too old for AuthenticationConfiguration apiserver\.config\.k8s\.io\/v1beta1 \(needs 1\.30\+\)/);
        freshServer("v1.33.2");
        r = failed(run(await commandsFor({ mode: "structured", apiVersion: "v1" }), "create"));
        assert.match(r.stderr, /Kubernetes 1\.33 is too old for AuthenticationConfiguration apiserver\.config\.k8s\.io\/v1 \(needs 1\.34\+\); upgrade k3s, use apiVersion v1beta1/);
        assert.ok(!exists(c.dropIn) && !exists(c.authConfig));
        assert.strictEqual(standIns.state().restarts, 0);

        freshServer("v1.34.1");
        const v1 = await commandsFor({ mode: "structured", apiVersion: "v1" });
        ok(run(v1, "create"));
        assert.strictEqual(read(c.authConfig).toString(), v1.authenticationConfig);
        assert.ok(!read(c.authConfig).toString().includes("anonymous"), "no anonymous section: the drop-in turns anonymous auth off");
        assert.strictEqual(fs.statSync(c.authConfig).mode & 0o777, 0o600);
        assert.deepStrictEqual(standIns.state().apiserverArgs, [...USER_ARGS, `authentication-config=${c.authConfig}`, "anonymous-auth=false"]);
        assert.strictEqual(standIns.state().anonymousAuth, false);
    });

    it("structured mode on 1.31: the AuthenticationConfiguration without the anonymous section, and the API server starts", async () => {
        freshServer("v1.31.4");
        const cmds = await commandsFor({ mode: "structured" });
        const r = ok(run(cmds, "create"));
        assert.match(r.stdout, /k3s is Kubernetes 1\.31: AuthenticationConfiguration v1beta1 is supported/);
        const text = read(c.authConfig).toString();
        assert.ok(!text.includes("anonymous"));
        assert.strictEqual(text, cmds.authenticationConfig);
        assert.ok(standIns.state().ready);
    });

    it("structured mode: when only the AuthenticationConfiguration changes, no restart; it waits until the API server loaded it", async () => {
        freshServer("v1.32.0");
        ok(run(await commandsFor({ mode: "structured" }), "create"));
        const dropIn = read(c.dropIn);
        const changed = await commandsFor({ mode: "structured", clientId: "headlamp-2", issuerUrl: "https://sso.example.com/application/o/h/" });
        const r = ok(run(changed, "update"));
        assert.match(r.stdout, /only the AuthenticationConfiguration changed: k3s is not restarted; waiting up to 2s for the API server to load .*oidc-dev-authentication-config\.yaml/);
        assert.match(r.stdout, /the API server loaded .*oidc-dev-authentication-config\.yaml \(apiserver_authentication_config_controller_last_config_info hash sha256:[0-9a-f]{64}\)/);
        assert.match(r.stdout, /applied: k3s on this server trusts https:\/\/sso\.example\.com\/application\/o\/h\/ for client headlamp-2/);
        assert.strictEqual(standIns.state().restarts, 1);
        assert.ok(read(c.dropIn).equals(dropIn));
        assert.strictEqual(read(c.authConfig).toString(), changed.authenticationConfig);
        assert.match(read(c.authConfig).toString(), /audiences:\n {8}- "headlamp-2"\n/);
    });

    it("switching flags (with a CA file) to structured removes the CA file and restarts once", async () => {
        freshServer("v1.32.0");
        ok(run(await commandsFor({ issuerCaPem: CA1 }), "create"));
        assert.ok(exists(c.caFile));
        const r = ok(run(await commandsFor({ mode: "structured", issuerCaPem: CA1 }), "update"));
        assert.match(r.stdout, /removed .*oidc-dev-oidc-ca\.pem \(no longer used\)/);
        assert.ok(!exists(c.caFile));
        assert.ok(exists(c.authConfig));
        assert.match(read(c.authConfig).toString(), new RegExp(`certificateAuthority: \\|\\n {8}-----BEGIN CERTIFICATE-----\\n {8}${CA1.split("\n")[1].replace(/[+/]/g, "\\$&")}\\n`));
        assert.strictEqual(standIns.state().restarts, 2);
        assert.deepStrictEqual(standIns.state().apiserverArgs, [...USER_ARGS, `authentication-config=${c.authConfig}`, "anonymous-auth=false"]);
    });

    it("delete: removes only our files, restarts and waits; the user's files stay byte for byte", async () => {
        freshServer();
        fs.mkdirSync(`${c.configFile}.d`);
        const userDropIn = path.join(`${c.configFile}.d`, "10-user.yaml");
        fs.writeFileSync(userDropIn, "kube-apiserver-arg+:\n  - profiling=false\n");
        const cmds = await commandsFor({ issuerCaPem: CA1 });
        ok(run(cmds, "create"));
        assert.ok(exists(c.dropIn) && exists(c.caFile));
        const r = ok(run(cmds, "delete"));
        assert.match(r.stdout, /removed .*oidc-dev\.yaml/);
        assert.match(r.stdout, /API server ready after/);
        assert.ok(!exists(c.dropIn) && !exists(c.caFile) && !exists(c.backupDir));
        assert.strictEqual(read(userDropIn).toString(), "kube-apiserver-arg+:\n  - profiling=false\n");
        assert.strictEqual(read(c.configFile).toString(), USER_CONFIG);
        const s = standIns.state();
        assert.strictEqual(s.restarts, 2);
        assert.ok(s.ready);
        assert.deepStrictEqual(s.apiserverArgs, [...USER_ARGS, "profiling=false"]);
        const again = ok(run(cmds, "delete"));
        assert.match(again.stdout, /nothing to remove/);
        assert.strictEqual(standIns.state().restarts, 2);
    });

    it("a replacement never ends with the old delete removing the new command's files", async () => {
        freshServer();
        const old = await commandsFor({}, { stack: "dev" });
        ok(run(old, "create"));
        // The same component under another URN of the same stack (moved under a parent without an
        // alias): same paths, same settings, a new owner. Pulumi creates the new one, then deletes the old.
        const moved = await commandsFor({}, { underParent: true });
        const r = ok(run(moved, "create"));
        assert.match(r.stdout, /taking over .*oidc-dev\.yaml from urn:pulumi:dev::headlamp-sso::headlamp-sso:index:K3sOidcApiServer::oidc-dev \(the same stack\)/);
        assert.match(r.stdout, /only the owner line of our files changed \(a component moved within the stack\); k3s was not restarted/);
        const d = ok(run(old, "delete"));
        assert.match(d.stdout, /now belongs to urn:pulumi:dev::headlamp-sso::test:index:Group\$headlamp-sso:index:K3sOidcApiServer::oidc-dev \(not urn:pulumi:dev::.*\); leaving it and its files in place/);
        assert.strictEqual(read(c.dropIn).toString(), moved.dropIn);
        assert.strictEqual(standIns.state().restarts, 1);
        ok(run(moved, "delete"));
        assert.ok(!exists(c.dropIn));
        assert.strictEqual(standIns.state().restarts, 2);
    });

    it("a dropped SSH session does not stop the rollback: the server ends with the previous files, ready", async () => {
        freshServer();
        ok(run(await commandsFor(), "create"));
        const before = read(c.dropIn);
        standIns.reconfigure({ restartSeconds: 1 });
        const bad = await commandsFor({ clientId: "fail-readiness" });
        const client = ssh.spawn(bad.update, "root", bad.stdin);
        const exited = new Promise((resolve) => client.once("exit", resolve));
        // Wait until the bad restart has begun, then cut the connection.
        for (let i = 0; i < 100 && standIns.state().restarts < 2; i++) {
            await new Promise((r) => setTimeout(r, 50));
        }
        client.kill("SIGKILL");
        await exited;
        assert.ok(!standIns.state().ready, "cut while the bad configuration was starting");
        for (let i = 0; i < 200 && !(standIns.state().restarts === 3 && standIns.state().ready); i++) {
            await new Promise((r) => setTimeout(r, 50));
        }
        const s = standIns.state();
        assert.strictEqual(s.restarts, 3, "the rollback restart ran without the SSH session");
        assert.ok(s.ready);
        assert.ok(read(c.dropIn).equals(before), "previous drop-in restored byte for byte");
        assert.ok(s.apiserverArgs?.includes("oidc-client-id=headlamp"));
    });

    it("a non-root user runs everything through sudo -n; files are root-owned", async () => {
        freshServer();
        ssh.setSudoNoPassword(true);
        const cmds = await commandsFor({}, { user: SUDO_USER });
        assert.match(cmds.create, /^sudo -n sh -c :/);
        const r = ok(run(cmds, "create", SUDO_USER));
        assert.match(r.stdout, /API server ready/);
        assert.strictEqual(fs.statSync(c.dropIn).uid, 0);
        assert.strictEqual(standIns.state().restarts, 1);
        assert.match(ok(run(cmds, "update", SUDO_USER)).stdout, /no change/);
        ok(run(cmds, "delete", SUDO_USER));
        assert.ok(!exists(c.dropIn));
        assert.strictEqual(standIns.state().restarts, 2);
    });

    it("a non-root user whose sudo wants a password gets a clear error and nothing changes", async () => {
        freshServer();
        ssh.setSudoNoPassword(false);
        try {
            const tree = listTree(c.root);
            const cmds = await commandsFor({}, { user: SUDO_USER });
            const r = failed(run(cmds, "create", SUDO_USER));
            assert.match(r.stderr, new RegExp(`headlamp-sso: sudo -n sh failed for user ${SUDO_USER}: sudo wants a password or does not allow sh\\. Give the user password-less sudo`));
            assert.deepStrictEqual(listTree(c.root), tree);
            assert.strictEqual(standIns.state().restarts, 0);
            // Without sudo the script itself says why it cannot work.
            const noSudo = await commandsFor({ sudo: false }, { user: SUDO_USER });
            assert.match(failed(run(noSudo, "create", SUDO_USER)).stderr, new RegExp(`must run as root, runs as ${SUDO_USER}; connect as root or set sudo: true`));
        } finally {
            ssh.setSudoNoPassword(true);
        }
    });

    // --- Real servers: one change at a time, crash-safe, never overriding, never claiming ---

    interface Running {
        readonly done: Promise<{ code: number; stdout: string; stderr: string }>;
    }

    /** Starts a command over SSH without waiting (the script on stdin), collecting its output. */
    function start(cmds: Commands, which: "create" | "update" | "delete" = "update"): Running {
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
    async function changeInRestart(args: Partial<K3sOidcApiServerArgs>, seconds: number): Promise<{ cmds: Commands; running: Running; before: Buffer }> {
        freshServer();
        ok(run(await commandsFor(), "create"));
        const before = read(c.dropIn);
        standIns.reconfigure({ restartSeconds: seconds });
        const cmds = await commandsFor(args);
        const running = start(cmds);
        await waitFor("the change's restart", () => standIns.state().restarts === 2);
        return { cmds, running, before };
    }

    async function waitFor(what: string, test: () => boolean, ms = 10000): Promise<void> {
        const until = Date.now() + ms;
        while (!test()) {
            if (Date.now() > until) {
                throw new Error(`timed out waiting for ${what}`);
            }
            await new Promise((r) => setTimeout(r, 25));
        }
    }

    function sessionOf(pid: number): number | undefined {
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
    function signalScriptSession(signal: NodeJS.Signals): number {
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

    it("one change at a time: a run waits for the server-wide lock and fails clearly, naming since when it is held", async () => {
        freshServer();
        const cmds = await commandsFor({ lockTimeoutSeconds: 1 });
        const lock = path.join(path.dirname(c.configFile), ".headlamp-sso.lock");
        fs.writeFileSync(lock, "2026-11-29T10:00:00Z (K3sOidcApiServer oidc-other, apply, pid 4242)\n");
        // Its own process group, so that the holder and its sleep (which inherits the lock) end together.
        const holder = spawn("flock", [lock, "sleep", "60"], { stdio: "ignore", detached: true });
        holder.on("error", () => undefined); // a failed spawn is reported by the pid check below
        try {
            assert.ok(holder.pid, "flock did not start");
            await waitFor("the holder to take the lock", () => spawnSync("flock", ["-n", lock, "true"]).status !== 0);
            const tree = listTree(c.root);
            const r = failed(run(cmds, "create"));
            assert.match(r.stderr, /ERROR: another headlamp-sso run holds the lock .*\.headlamp-sso\.lock since 2026-11-29T10:00:00Z \(K3sOidcApiServer oidc-other, apply, pid 4242\); waited 1s\. Let that run finish, then run pulumi up again/);
            assert.deepStrictEqual(listTree(c.root), tree, "nothing written while another run holds the lock");
            assert.strictEqual(standIns.state().restarts, 0);
        } finally {
            // Never kill(-0): that would be this test process's own group.
            if (holder.pid) {
                process.kill(-holder.pid, "SIGKILL");
            }
        }
        await waitFor("the lock to be free", () => spawnSync("flock", ["-n", lock, "true"]).status === 0);
        ok(run(cmds, "create"));
        assert.match(fs.readFileSync(lock, "utf8"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(K3sOidcApiServer oidc-dev, apply, pid \d+\)\n$/, "the holder is recorded for the next waiter");
    });

    it("one change at a time: a re-run while the earlier run is still restarting waits for it and then has nothing to do", async () => {
        const { cmds: changed, running: first } = await changeInRestart({ clientId: "headlamp-2" }, 1);
        const second = start(changed);
        const [a, b] = await Promise.all([first.done, second.done]);
        assert.strictEqual(a.code, 0, a.stderr);
        assert.strictEqual(b.code, 0, b.stderr);
        assert.match(b.stdout, /no change: /, "the second run saw the first run's finished change");
        const s = standIns.state();
        assert.strictEqual(s.restarts, 2, "one restart for the change, none for the re-run");
        s.restartIntervals.slice(1).forEach(([begin], i) => assert.ok(s.restartIntervals[i][1] <= begin, "restarts never overlap"));
    });

    it("a run killed after installing (kill -9, reboot) is settled by the next run: rolled back, restarted, then applied", async () => {
        const { cmds: changed, running: killed } = await changeInRestart({ clientId: "headlamp-2" }, 2);
        assert.ok(signalScriptSession("SIGKILL") >= 2);
        await killed.done;
        assert.ok(!standIns.state().ready, "killed with the new files installed and the API server down");
        assert.ok(exists(path.join(c.backupDir, "pending")), "the evidence: the backup with the pending marker");
        standIns.reconfigure({ restartSeconds: 0 });
        const r = ok(run(changed, "update"));
        assert.match(r.stdout, /an earlier run was cut short after installing files \(\d{4}-.*\(apply\)\); restoring the files it replaced first/);
        assert.match(r.stdout, /the unfinished change is rolled back and the API server is ready with the previous files/);
        assert.doesNotMatch(r.stdout, /no change/);
        assert.match(r.stdout, /applied: k3s on this server trusts .* for client headlamp-2/);
        const s = standIns.state();
        assert.strictEqual(s.restarts, 4, "first apply, killed change, rollback, the change again");
        assert.ok(s.ready);
        assert.ok(s.apiserverArgs?.includes("oidc-client-id=headlamp-2"));
        assert.ok(!exists(path.dirname(c.backupDir)));
    });

    it("files in place but the API server not ready is not 'no change': it restarts and verifies", async () => {
        freshServer();
        const cmds = await commandsFor();
        ok(run(cmds, "create"));
        fs.writeFileSync(path.join(ssh.dir, "state", "ready"), "0");
        const r = ok(run(cmds, "update"));
        assert.match(r.stdout, /the files are up to date but the API server is not ready/);
        assert.match(r.stdout, /applied: /);
        assert.strictEqual(standIns.state().restarts, 2);
        assert.ok(standIns.state().ready);
    });

    it("TERM during the readiness wait of a bad change is deferred: the rollback still runs to the end", async () => {
        const { running, before } = await changeInRestart({ clientId: "fail-readiness" }, 1);
        signalScriptSession("SIGTERM");
        const r = await running.done;
        assert.notStrictEqual(r.code, 0);
        await waitFor("the rollback", () => standIns.state().restarts === 3 && standIns.state().ready);
        assert.ok(read(c.dropIn).equals(before), "previous drop-in restored byte for byte");
        assert.ok(standIns.state().apiserverArgs?.includes("oidc-client-id=headlamp"));
        assert.ok(!exists(path.dirname(c.backupDir)), "settled: no pending change left");
    });

    it("TERM during a good change: the change is verified first, then the run stops with 143 and says what is in force", async () => {
        const { running } = await changeInRestart({ clientId: "headlamp-2" }, 1);
        signalScriptSession("SIGTERM");
        const r = await running.done;
        assert.strictEqual(r.code, 143, r.stderr);
        assert.match(r.stderr, /ERROR: stopped by SIGTERM; the change was settled first: our settings are in force/);
        const s = standIns.state();
        assert.ok(s.ready);
        assert.ok(s.apiserverArgs?.includes("oidc-client-id=headlamp-2"));
        assert.ok(!exists(path.dirname(c.backupDir)));
    });

    it("never overwrites a file it did not write: a user's file at the drop-in or CA path, another stack's component of the same name", async () => {
        // A hand-made drop-in that happens to have our name.
        freshServer();
        fs.mkdirSync(`${c.configFile}.d`);
        fs.writeFileSync(c.dropIn, "# my own settings\nnode-label+:\n  - team=a\n");
        let tree = listTree(c.root);
        let r = failed(run(await commandsFor(), "create"));
        assert.match(r.stderr, /refusing to change anything: .*config\.yaml\.d\/oidc-dev\.yaml exists but was not written by headlamp-sso \(it has no "# owner:" line\)\. Move that file to another name, or rename this K3sOidcApiServer/);
        assert.deepStrictEqual(listTree(c.root), tree);
        assert.strictEqual(read(c.dropIn).toString(), "# my own settings\nnode-label+:\n  - team=a\n");

        // A user's PEM where our CA file goes.
        freshServer();
        fs.writeFileSync(c.caFile, CA2);
        tree = listTree(c.root);
        r = failed(run(await commandsFor({ issuerCaPem: CA1 }), "create"));
        assert.match(r.stderr, /refusing to change anything: .*oidc-dev-oidc-ca\.pem exists but was not written by this component/);
        assert.deepStrictEqual(listTree(c.root), tree);
        assert.strictEqual(read(c.caFile).toString(), CA2);

        // Another stack with a component of the same name.
        freshServer();
        const dev = await commandsFor({ issuerCaPem: CA1 });
        ok(run(dev, "create"));
        const devFiles = [read(c.dropIn), read(c.caFile)];
        const prod = await commandsFor({ clientId: "headlamp-prod", issuerCaPem: CA2 }, { stack: "prod" });
        r = failed(run(prod, "create"));
        assert.match(r.stderr, /refusing to change anything: .*oidc-dev\.yaml belongs to urn:pulumi:dev::headlamp-sso::headlamp-sso:index:K3sOidcApiServer::oidc-dev \(another stack or project\)\. Destroy that component first, or rename this K3sOidcApiServer/);
        assert.match(ok(run(prod, "delete")).stdout, /leaving it and its files in place/);
        assert.ok(read(c.dropIn).equals(devFiles[0]) && read(c.caFile).equals(devFiles[1]), "dev's files untouched by prod's apply and delete");
        assert.strictEqual(standIns.state().restarts, 1);
    });

    it("upgrades files of releases before the owner line: a CA file its own drop-in points at is its own", async () => {
        freshServer();
        const cmds = await commandsFor({ issuerCaPem: CA1 });
        ok(run(cmds, "create"));
        // As an earlier release left them: the PEM alone, and a drop-in (with its owner) naming it.
        fs.writeFileSync(c.caFile, CA1);
        fs.writeFileSync(c.dropIn, `# owner: ${/\nowner=(\S+)/.exec(cmds.stdin)?.[1].replace(/\\/g, "")}\nkube-apiserver-arg+:\n  - oidc-ca-file=${c.caFile}\n`);
        const r = ok(run(cmds, "update"));
        assert.match(r.stdout, /installed .*oidc-dev-oidc-ca\.pem/);
        assert.ok(read(c.caFile).toString().startsWith("# Managed by headlamp-sso"));
        assert.ok(ok(run(cmds, "delete")) && !exists(c.caFile), "and destroy removes it");
    });

    it("refuses every configuration in which its settings would not be the effective ones, naming the file and the key", async () => {
        const cases: { label: string; mode?: "structured"; setup: () => void; expect: RegExp }[] = [
            {
                label: "a leftover oidc-required-claim in config.yaml (flags mode)",
                setup: () => fs.appendFileSync(c.configFile, "  - oidc-required-claim=hd=old.example.com\n"),
                expect: /config\.yaml sets the kube-apiserver arg oidc-required-claim: ours must be the only OIDC configuration/,
            },
            {
                label: "an oidc-ca-file in a drop-in named .YML",
                setup: () => fs.writeFileSync(path.join(`${c.configFile}.d`, "20-old.YML"), "kube-apiserver-arg+:\n  - --oidc-ca-file=/etc/ssl/old.pem\n"),
                expect: /20-old\.YML sets the kube-apiserver arg --oidc-ca-file/,
            },
            {
                label: "a later drop-in with a plain kube-apiserver-arg",
                setup: () => fs.writeFileSync(path.join(`${c.configFile}.d`, "zz-audit.yaml"), "kube-apiserver-arg:\n  - audit-log-maxage=10\n"),
                expect: /zz-audit\.yaml sorts after .*oidc-dev\.yaml and sets kube-apiserver-arg without "\+", which replaces every kube-apiserver arg set before it, ours included; write kube-apiserver-arg\+ there/,
            },
            {
                label: "an oidc arg in the unit's ExecStart",
                setup: () => standIns.reconfigure({ execStart: ["--kube-apiserver-arg=oidc-groups-claim=roles"] }),
                expect: /the ExecStart of k3s \(systemctl cat k3s\) sets the kube-apiserver arg oidc-groups-claim/,
            },
            {
                label: "the user's own AuthenticationConfiguration (structured mode)",
                mode: "structured",
                setup: () => fs.writeFileSync(path.join(`${c.configFile}.d`, "10-auth.yaml"), "kube-apiserver-arg+:\n  - authentication-config=/etc/rancher/k3s/mine.yaml\n"),
                expect: /10-auth\.yaml sets authentication-config: a second one would replace it, and ours would lock out the users of yours/,
            },
        ];
        for (const t of cases) {
            freshServer("v1.32.5");
            fs.mkdirSync(`${c.configFile}.d`);
            t.setup();
            const tree = listTree(c.root);
            const r = failed(run(await commandsFor({ mode: t.mode }), "create"));
            assert.match(r.stderr, /ERROR: refusing to change anything; our OIDC settings would not be the ones in force:/, t.label);
            assert.match(r.stderr, t.expect, t.label);
            assert.deepStrictEqual(listTree(c.root), tree, `${t.label}: nothing written`);
            assert.strictEqual(standIns.state().restarts, 0, t.label);
        }
        // The stand-in reads them the way K3s does: the .YML file is read, the later plain key drops ours.
        freshServer();
        fs.mkdirSync(`${c.configFile}.d`);
        fs.writeFileSync(path.join(`${c.configFile}.d`, "20-old.YML"), "kube-apiserver-arg+:\n  - oidc-ca-file=/x.pem\n");
        fs.writeFileSync(path.join(`${c.configFile}.d`, "zz-audit.yaml"), "kube-apiserver-arg:\n  - audit-log-maxage=10\n");
        fs.writeFileSync(c.dropIn, "kube-apiserver-arg+:\n  - oidc-client-id=x\n");
        assert.strictEqual(spawnSync(path.join(ssh.binDir, "systemctl"), ["restart", "k3s"]).status, 0);
        assert.deepStrictEqual(standIns.state().apiserverArgs, ["audit-log-maxage=10"], "the later plain key replaced everything before it");
    });

    it("an earlier drop-in with a plain kube-apiserver-arg is fine: ours still append after it", async () => {
        freshServer();
        fs.mkdirSync(`${c.configFile}.d`);
        fs.writeFileSync(path.join(`${c.configFile}.d`, "00-base.yml"), "kube-apiserver-arg:\n  - profiling=false\n");
        ok(run(await commandsFor(), "create"));
        assert.deepStrictEqual(standIns.state().apiserverArgs, ["profiling=false", ...OIDC_ARGS("headlamp")]);
    });

    it("verifies what is in force: an API server that is ready without our settings is rolled back, never reported applied", async () => {
        freshServer();
        // K3s reads another config file through systemd's manager environment (systemctl
        // set-environment K3S_CONFIG_FILE=...), which the runbook does not read: config.yaml.d
        // next to the default one is never read, and only the read-back can tell.
        const elsewhere = path.join(c.root, "srv-k3s.yaml");
        fs.writeFileSync(elsewhere, USER_CONFIG);
        standIns.reconfigure({ managerEnvironment: { K3S_CONFIG_FILE: elsewhere } });
        const r = failed(run(await commandsFor(), "create"));
        assert.match(r.stderr, /ERROR: new OIDC settings rolled back: the API server is ready but does not run them \(the running kube-apiserver has no oidc-\* or authentication-config args \(expected --oidc-client-id=headlamp --oidc-groups-claim=groups .*\)\)\. The previous files were restored byte for byte and k3s is ready again/);
        assert.doesNotMatch(r.stdout, /applied:/);
        assert.ok(!exists(c.dropIn));
        assert.ok(standIns.state().ready);
        assert.strictEqual(standIns.state().restarts, 2, "the change and the rollback");
    });

    it("reads the args back from K3s's own log file when it logs there (log: in config.yaml)", async () => {
        freshServer();
        const logFile = path.join(c.root, "k3s.log");
        fs.appendFileSync(c.configFile, `log: "${logFile}"\n`);
        const r = ok(run(await commandsFor(), "create"));
        assert.match(r.stdout, /applied: /);
        assert.match(fs.readFileSync(logFile, "utf8"), /Running kube-apiserver .*--oidc-client-id=headlamp/);
        assert.ok(!standIns.state().journal.some((l) => l.includes("Running kube-apiserver")), "nothing in the journal");
    });

    for (const version of ["v1.30.12", "v1.31.4", "v1.32.4", "v1.32.5", "v1.33.0", "v1.33.1", "v1.34.1"]) {
        it(`structured mode on K3s ${version}: starts, and anonymous auth is off with exactly one --anonymous-auth=false`, async () => {
            freshServer(version);
            const r = ok(run(await commandsFor({ mode: "structured" }), "create"));
            assert.match(r.stdout, /applied: /);
            const s = standIns.state();
            assert.ok(s.ready);
            assert.strictEqual(s.anonymousAuth, false);
            assert.deepStrictEqual(s.commandLine?.filter((a) => a.startsWith("--anonymous-auth")), ["--anonymous-auth=false"]);
            assert.deepStrictEqual(s.commandLine?.filter((a) => a.startsWith("--authentication-config")), [`--authentication-config=${c.authConfig}`]);
        });
    }

    for (const userValue of ["false", "true"]) {
        it(`structured mode with the user's own anonymous-auth=${userValue} in config.yaml: ours comes last and wins, so it is applied with anonymous auth off`, async () => {
            freshServer("v1.33.1", `${USER_CONFIG}  - "anonymous-auth=${userValue}"\n`);
            const r = ok(run(await commandsFor({ mode: "structured" }), "create"));
            assert.match(r.stdout, /applied: /);
            const s = standIns.state();
            assert.strictEqual(s.anonymousAuth, false);
            // K3s keeps both repeats, in order; kube-apiserver takes the last.
            assert.deepStrictEqual(s.commandLine?.filter((a) => a.startsWith("--anonymous-auth")), [`--anonymous-auth=${userValue}`, "--anonymous-auth=false"]);
            assert.strictEqual(s.restarts, 1);
        });
    }

    it("structured mode: an API server that runs with anonymous auth on is rolled back, never reported applied", async () => {
        freshServer("v1.33.1");
        // The unit's own args come after every config file: its anonymous-auth=true is the last one.
        standIns.reconfigure({ execStart: ["--kube-apiserver-arg=anonymous-auth=true"] });
        const r = failed(run(await commandsFor({ mode: "structured" }), "create"));
        assert.match(r.stderr, /the running kube-apiserver has --anonymous-auth=true, so anonymous requests are allowed \(expected --anonymous-auth=false last\)/);
        assert.doesNotMatch(r.stdout, /applied:/);
        assert.ok(!exists(c.dropIn));
        assert.strictEqual(standIns.state().restarts, 2, "the change and the rollback");
    });

    it("the stand-in follows kube-apiserver on anonymous auth: the old per-version files fail or leave it on", () => {
        const withSection = "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\njwt: []\nanonymous:\n  enabled: false\n";
        const without = "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\njwt: []\n";
        const restartWith = (version: string, text: string) => {
            freshServer(version);
            fs.writeFileSync(c.authConfig, text);
            fs.mkdirSync(`${c.configFile}.d`);
            fs.writeFileSync(c.dropIn, `kube-apiserver-arg+:\n  - authentication-config=${c.authConfig}\n`);
            return spawnSync(path.join(ssh.binDir, "systemctl"), ["restart", "k3s"]).status;
        };
        assert.strictEqual(restartWith("v1.32.4", withSection), 1, "K3s before the fix passes --anonymous-auth=false: the section is refused");
        assert.ok(standIns.state().journal.some((l) => l.includes("--anonymous-auth flag cannot be set when anonymous field is configured")));
        assert.strictEqual(restartWith("v1.32.5", without), 0);
        assert.strictEqual(standIns.state().anonymousAuth, true, "patched K3s passes nothing: without the section anonymous auth stays on");
    });

    it("structured mode: a reload the API server rejects is rolled back and fails; a slow reload is waited for", async () => {
        freshServer("v1.33.1");
        ok(run(await commandsFor({ mode: "structured" }), "create"));
        const good = read(c.authConfig);
        const bad = await commandsFor({ mode: "structured", clientId: "fail-reload" });
        const r = failed(run(bad, "update"));
        assert.match(r.stderr, /ERROR: the new AuthenticationConfiguration was rolled back: the API server reported a failed reload of .*oidc-dev-authentication-config\.yaml \(apiserver_authentication_config_controller_automatic_reloads_total\{status="failure"\}\)\. The previous file is back/);
        assert.doesNotMatch(r.stdout, /applied:/);
        assert.ok(read(c.authConfig).equals(good));
        assert.strictEqual(standIns.state().restarts, 1, "no restart for a structured-only change");
        assert.ok(!exists(path.dirname(c.backupDir)));

        standIns.reconfigure({ reloadSeconds: 1 });
        const slow = await commandsFor({ mode: "structured", clientId: "headlamp-2", readyTimeoutSeconds: 5 });
        const s = ok(run(slow, "update"));
        assert.match(s.stdout, /the API server loaded .* after [1-5]s/);
        assert.strictEqual(standIns.state().restarts, 1);

        standIns.reconfigure({ reloadSeconds: 30 });
        const never = failed(run(await commandsFor({ mode: "structured", clientId: "headlamp-3" }), "update"));
        assert.match(never.stderr, /the API server did not confirm loading .* within 2s/);
        assert.match(read(c.authConfig).toString(), /- "headlamp-2"/, "rolled back to the loaded file");
    });

    it("YAML 1.1 readers see the same strings: client id on, required value yes", async () => {
        freshServer("v1.32.5");
        ok(run(await commandsFor({ clientId: "on", requiredClaims: { hd: "yes" } }), "create"));
        const args = standIns.state().apiserverArgs ?? [];
        assert.ok(args.includes("oidc-client-id=on") && args.includes("oidc-required-claim=hd=yes"), args.join(" "));
        freshServer("v1.32.5");
        ok(run(await commandsFor({ mode: "structured", clientId: "on", requiredClaims: { hd: "yes" } }), "create"));
        assert.ok(standIns.state().ready, "the AuthenticationConfiguration decodes (a YAML 1.1 boolean would not)");
    });

    it("destroy removes config.yaml.d when it created it and nothing else is in it", async () => {
        freshServer();
        const cmds = await commandsFor();
        ok(run(cmds, "create"));
        assert.ok(exists(`${c.configFile}.d`));
        const r = ok(run(cmds, "delete"));
        assert.match(r.stdout, /removed the empty .*config\.yaml\.d \(created by headlamp-sso\)/);
        assert.ok(!exists(`${c.configFile}.d`));
        assert.deepStrictEqual(fs.readdirSync(path.dirname(c.configFile)).sort(), [".headlamp-sso.lock", "config.yaml"]);
    });
    // --- Point 1: an edit the user made and has not applied yet (K3s runs what it read at its start) ---

    /** A server after a first apply: K3s runs since that apply's restart. */
    async function appliedAndRunning(args: Partial<K3sOidcApiServerArgs> = {}): Promise<Commands> {
        freshServer();
        const cmds = await commandsFor(args);
        ok(run(cmds, "create"));
        return cmds;
    }

    /**
     * Marks `file` as edited after the running K3s started: its mtime 2 s after that start (file
     * times are compared in whole seconds, and a test edits within the start's second).
     */
    function editedAfterStart(file: string): string {
        const started = standIns.started();
        assert.ok(started !== undefined, "K3s has started");
        const t = new Date(started + 2000);
        fs.utimesSync(file, t, t);
        return file;
    }

    /** Asserts a pending-edit refusal naming `file`: nothing written, no restart, still ready. */
    function refusedPending(r: SshResult, file: string, tree: string[], restarts: number): void {
        assert.match(r.stderr, /ERROR: refusing to change anything: these files k3s reads at start changed after it started at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, so a restart now would apply them together with ours/);
        assert.ok(r.stderr.includes(`\n  - ${file} (modified `), r.stderr);
        assert.match(r.stderr, /\nRestart k3s yourself and check that it comes up, then run pulumi up again\n/);
        assert.deepStrictEqual(listTree(c.root), tree, "nothing written");
        assert.strictEqual(standIns.state().restarts, restarts, "no restart");
        assert.ok(standIns.state().ready, "the API server still runs what it ran");
    }

    it("pending edit: a YAML error in config.yaml (not applied yet) is refused before a change; after the user's own restart the change goes through", async () => {
        await appliedAndRunning();
        const before = read(c.dropIn);
        fs.appendFileSync(c.configFile, "node-label: [unclosed\n");
        editedAfterStart(c.configFile);
        const tree = listTree(c.root);
        const changed = await commandsFor({ clientId: "headlamp-2" });
        refusedPending(failed(run(changed, "update")), c.configFile, tree, 1);
        assert.ok(read(c.dropIn).equals(before));
        // The stand-in would indeed not start with it: the user finds out with their own restart.
        assert.strictEqual(spawnSync(path.join(ssh.binDir, "systemctl"), ["restart", "k3s"]).status, 1);
        fs.writeFileSync(c.configFile, USER_CONFIG);
        assert.strictEqual(spawnSync(path.join(ssh.binDir, "systemctl"), ["restart", "k3s"]).status, 0);
        const r = ok(run(changed, "update"));
        assert.match(r.stdout, /applied: .* for client headlamp-2/);
    });

    it("pending edit: a kube-apiserver flag the API server refuses, added to the user's own .d file", async () => {
        await appliedAndRunning();
        const userDropIn = path.join(`${c.configFile}.d`, "10-user.yaml");
        fs.writeFileSync(userDropIn, "kube-apiserver-arg+:\n  - fail-readiness=true\n");
        editedAfterStart(userDropIn);
        const tree = listTree(c.root);
        refusedPending(failed(run(await commandsFor({ clientId: "headlamp-2" }), "update")), userDropIn, tree, 1);
    });

    it("pending edit: a unit drop-in written after the start", async () => {
        await appliedAndRunning();
        const unitDropIn = editedAfterStart(standIns.unitDropIn("override.conf", "[Service]\nEnvironment=K3S_DEBUG=true\n"));
        const tree = listTree(c.root);
        try {
            refusedPending(failed(run(await commandsFor({ clientId: "headlamp-2" }), "update")), unitDropIn, tree, 1);
        } finally {
            standIns.unitDropIn("override.conf", undefined);
        }
    });

    it("pending edit: an environment file of the unit; our own drop-in newer than the start does not count", async () => {
        freshServer();
        const envFile = path.join(c.root, "k3s.service.env");
        fs.writeFileSync(envFile, "K3S_TOKEN_FILE=/x\n");
        standIns.reconfigure({ environmentFiles: [`-${path.join(c.root, "%N.service.env")}`] });
        ok(run(await commandsFor(), "create"));
        fs.appendFileSync(envFile, "K3S_DEBUG=true\n");
        editedAfterStart(envFile);
        const tree = listTree(c.root);
        refusedPending(failed(run(await commandsFor({ clientId: "headlamp-2" }), "update")), envFile, tree, 1);

        // Only our own drop-in (installed after the start, e.g. an owner-only change) is newer: fine.
        await appliedAndRunning();
        editedAfterStart(c.dropIn);
        ok(run(await commandsFor({ clientId: "headlamp-2" }), "update"));
        assert.strictEqual(standIns.state().restarts, 2);
    });

    it("pending edit: a no-op stays a no-op (no restart, no refusal), and destroy refuses too", async () => {
        const cmds = await appliedAndRunning();
        fs.appendFileSync(c.configFile, "node-label: [unclosed\n");
        editedAfterStart(c.configFile);
        const r = ok(run(cmds, "update"));
        assert.match(r.stdout, /no change: /);
        assert.strictEqual(standIns.state().restarts, 1);
        const tree = listTree(c.root);
        refusedPending(failed(run(cmds, "delete")), c.configFile, tree, 1);
        assert.ok(exists(c.dropIn), "destroy removed nothing");
    });

    // --- Point 2: the config file K3s really reads (K3S_CONFIG_FILE, --config) ---

    it("K3S_CONFIG_FILE from the unit's EnvironmentFile: the drop-in goes where K3s looks, applied, and destroy removes it there", async () => {
        freshServer();
        const real = path.join(c.root, "etc", "k3s", "config.yaml");
        fs.mkdirSync(path.dirname(real), { recursive: true });
        fs.writeFileSync(real, USER_CONFIG);
        const envFile = path.join(c.root, "k3s.service.env");
        fs.writeFileSync(envFile, `K3S_TOKEN=not-read-here\nK3S_CONFIG_FILE="${real}"\n`);
        // As the install script writes it: every file optional ("-"), %N the unit's name.
        standIns.reconfigure({ environmentFiles: [`-${path.join(c.root, "default", "%N")}`, `-${path.join(c.root, "%N.service.env")}`] });
        const cmds = await commandsFor();
        const r = ok(run(cmds, "create"));
        assert.ok(r.stdout.includes(`k3s reads ${real} (K3S_CONFIG_FILE ${envFile}), not ${c.configFile}: our drop-in goes into ${real}.d`), r.stdout);
        const dropIn = path.join(`${real}.d`, "oidc-dev.yaml");
        assert.strictEqual(read(dropIn).toString(), cmds.dropIn);
        assert.ok(!exists(c.dropIn));
        assert.deepStrictEqual(standIns.state().apiserverArgs, [...USER_ARGS, ...OIDC_ARGS("headlamp")]);
        assert.strictEqual(standIns.state().restarts, 1);
        assert.match(ok(run(cmds, "update")).stdout, /no change: /);
        ok(run(cmds, "delete"));
        assert.ok(!exists(dropIn) && !exists(`${real}.d`));
        assert.deepStrictEqual(standIns.state().apiserverArgs, USER_ARGS);
    });

    it("K3S_CONFIG_FILE from Environment= in a unit drop-in, and --config in ExecStart over it; conflicts are looked for in that file", async () => {
        freshServer();
        const real = path.join(c.root, "srv", "k3s.yaml");
        fs.mkdirSync(path.dirname(real), { recursive: true });
        fs.writeFileSync(real, USER_CONFIG);
        standIns.unitDropIn("10-config.conf", `[Service]\nEnvironment="K3S_CONFIG_FILE=${real}"\n`);
        try {
            const r = ok(run(await commandsFor(), "create"));
            assert.ok(r.stdout.includes(`(K3S_CONFIG_FILE Environment= of k3s)`), r.stdout);
            assert.ok(exists(path.join(`${real}.d`, "oidc-dev.yaml")));
            assert.ok(standIns.state().apiserverArgs?.includes("oidc-client-id=headlamp"));

            freshServer();
            const flagged = path.join(c.root, "flag.yaml");
            fs.writeFileSync(flagged, `${USER_CONFIG}  - oidc-issuer-url=https://old.example.com/\n`);
            standIns.reconfigure({ execStart: ["--config", flagged] });
            const tree = listTree(c.root);
            const refused = failed(run(await commandsFor(), "create"));
            assert.ok(refused.stdout.includes(`k3s reads ${flagged} (--config ExecStart of k3s)`), refused.stdout);
            assert.ok(refused.stderr.includes(`${flagged} sets the kube-apiserver arg oidc-issuer-url`), refused.stderr);
            assert.deepStrictEqual(listTree(c.root), tree);
        } finally {
            standIns.unitDropIn("10-config.conf", undefined);
        }
    });

    // --- Point 4: every external command is bounded ---

    it("a systemctl client that never returns (and ignores TERM) does not hold the run: it ends within its bound and verifies", async function () {
        // Unbounded, each run would take the client's 90 s; bounded, readyTimeoutSeconds + 3 s per restart.
        this.timeout(240000);
        freshServer();
        ok(run(await commandsFor(), "create"));
        standIns.reconfigure({ clientHangSeconds: 90 });
        const changed = await commandsFor({ clientId: "headlamp-2", readyTimeoutSeconds: 2 });
        const r = ok(run(changed, "update"));
        // readyTimeoutSeconds 2 + the kill grace 3, and the rest of the run (slow on a loaded machine).
        assert.ok(r.ms < 35000, `took ${r.ms} ms`);
        assert.match(r.stdout, /systemctl restart k3s exited with 137; polling readiness anyway/);
        assert.match(r.stdout, /applied: .* for client headlamp-2/);
        const bad = await commandsFor({ clientId: "fail-readiness", readyTimeoutSeconds: 2 });
        const b = failed(run(bad, "update"));
        assert.ok(b.ms < 45000, `the change and its rollback took ${b.ms} ms`);
        assert.match(b.stderr, /new OIDC settings rolled back: the API server did not become ready within 2s\. The previous files were restored byte for byte and k3s is ready again/);
        assert.ok(standIns.state().apiserverArgs?.includes("oidc-client-id=headlamp-2"));
        standIns.reconfigure({ clientHangSeconds: 0 });
    });
    // --- The read-only inspect action (the doctor's view of a server) ---

    /** Runs `inspect` with the component's script on stdin; returns its keys (lists in order). */
    function inspect(cmds: Commands): { keys: Map<string, string[]>; r: SshResult } {
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
    function snapshot(): string[] {
        return [...listTree(c.root), ...listTree(path.dirname(standIns.unitFile))].map((p) => {
            const st = fs.statSync(p);
            return `${p} ${st.mtimeMs} ${st.isFile() ? read(p).toString("base64") : "dir"}`;
        });
    }

    it("inspect: a healthy server prints the contract's keys, and nothing changes (tree, mtimes, no restart)", async () => {
        freshServer();
        const cmds = await commandsFor();
        ok(run(cmds, "create"));
        const before = snapshot();
        const lock = path.join(path.dirname(c.configFile), ".headlamp-sso.lock");
        const lockBefore = `${fs.statSync(lock).mtimeMs} ${read(lock).toString()}`;
        const { keys, r } = inspect(cmds);
        ok(r);
        const one = (k: string) => { assert.strictEqual(keys.get(k)?.length, 1, `${k} once in\n${r.stdout}`); return keys.get(k)?.[0]; };
        assert.strictEqual(one("inspect"), "1");
        assert.strictEqual(one("service.manager"), "systemd");
        assert.strictEqual(one("service.name"), "k3s");
        assert.strictEqual(one("service.state"), "running");
        assert.strictEqual(one("service.started"), String(Math.floor((standIns.started() ?? 0) / 1000)));
        assert.strictEqual(one("config.file"), c.configFile);
        assert.strictEqual(one("config.source"), "default");
        assert.strictEqual(one("dropin.path"), c.dropIn);
        assert.strictEqual(one("dropin.state"), "ours");
        assert.match(one("dropin.owner") ?? "", /^urn:pulumi:dev::headlamp-sso::headlamp-sso:index:K3sOidcApiServer::oidc-dev$/);
        assert.strictEqual(one("authcfg.state"), "unused");
        assert.strictEqual(one("running.state"), "ours");
        const expected = OIDC_ARGS("headlamp").map((a) => `--${a}`).sort();
        assert.deepStrictEqual(one("expected.args")?.split(" "), expected);
        assert.deepStrictEqual(one("running.args")?.split(" ").sort(), [...expected, "--anonymous-auth=false"].sort());
        assert.strictEqual(one("api.ready"), "yes");
        assert.strictEqual(keys.get("pending"), undefined);
        assert.strictEqual(keys.get("conflict"), undefined);
        assert.deepStrictEqual(snapshot(), before, "inspect changed nothing");
        assert.strictEqual(`${fs.statSync(lock).mtimeMs} ${read(lock).toString()}`, lockBefore, "no lock taken");
        assert.strictEqual(standIns.state().restarts, 1, "no restart");
    });

    it("inspect: a missing or edited drop-in, differing running args, pending edits, conflicts and K3S_CONFIG_FILE, changing nothing", async () => {
        freshServer();
        const cmds = await commandsFor();
        let { keys } = inspect(cmds);
        // The stand-in's K3s has not logged a start yet: nothing to read back.
        assert.deepStrictEqual([keys.get("dropin.state"), keys.get("running.state"), keys.get("dropin.owner"), keys.get("running.args")], [["missing"], ["unreadable"], [""], [""]]);

        ok(run(cmds, "create"));
        fs.appendFileSync(c.dropIn, "# a hand edit\n");
        fs.appendFileSync(c.configFile, "  - oidc-required-claim=hd=old\n");
        editedAfterStart(c.configFile);
        const before = snapshot();
        ({ keys } = inspect(cmds));
        assert.deepStrictEqual(keys.get("dropin.state"), ["edited"]);
        assert.deepStrictEqual(keys.get("running.state"), ["ours"], "the running args are still ours");
        assert.deepStrictEqual(keys.get("pending"), [`${Math.floor(fs.statSync(c.configFile).mtimeMs / 1000)} ${c.configFile}`]);
        assert.strictEqual(keys.get("conflict")?.length, 1);
        assert.match(keys.get("conflict")?.[0] ?? "", /config\.yaml sets the kube-apiserver arg oidc-required-claim: ours must be the only OIDC configuration/);
        assert.deepStrictEqual(snapshot(), before, "inspect changed nothing");
        assert.strictEqual(standIns.state().restarts, 1);

        // Another client id is planned: the running args differ from what the plan expects.
        ({ keys } = inspect(await commandsFor({ clientId: "headlamp-2" })));
        assert.deepStrictEqual(keys.get("running.state"), ["differ"]);

        // K3S_CONFIG_FILE from an environment file.
        freshServer();
        const real = path.join(c.root, "k3s-real.yaml");
        fs.writeFileSync(real, USER_CONFIG);
        const envFile = path.join(c.root, "k3s.service.env");
        fs.writeFileSync(envFile, `K3S_CONFIG_FILE=${real}\n`);
        standIns.reconfigure({ environmentFiles: [`-${envFile}`] });
        ({ keys } = inspect(cmds));
        assert.deepStrictEqual([keys.get("config.file"), keys.get("config.source"), keys.get("dropin.path")], [[real], [`K3S_CONFIG_FILE ${envFile}`], [`${real}.d/oidc-dev.yaml`]]);
    });

    it("inspect: a missing service is an ERROR on stderr and exit 1", async () => {
        freshServer();
        const { r } = inspect(await commandsFor({ serviceName: "k3s-agent" }));
        assert.strictEqual(r.code, 1);
        assert.strictEqual(r.stdout, "");
        assert.match(r.stderr, /^headlamp-sso\[oidc-dev\]: ERROR: service k3s-agent not found/);
    });
});
