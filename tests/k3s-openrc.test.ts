// K3sOidcApiServer's runbook on a K3s server without systemd (Alpine): the exact command text and
// stdin the component registers (under mocks) go over a real OpenSSH server on 127.0.0.1 to a
// REAL OpenRC, where /etc/init.d/<service> (shaped like K3s's install script's) runs a stand-in
// K3s server under supervise-daemon (tests/ssh/openrc.ts). Each test has its own service name
// (with process.pid) and removes its init script and OpenRC state.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { K3sOidcApiServer, K3sOidcApiServerArgs } from "../components";
import { validateK3sArgs } from "../components/k3s/settings";
import { runCommand } from "../components/k3s/script";
import { MockHarness, valueOf } from "./harness";
import { SshResult, SshServer } from "./ssh/sshd";
import { StandIns } from "./ssh/stand-ins";
import { OpenRcK3s, openRcAvailable, prepareOpenRc, removeStaleServices } from "./ssh/openrc";
import { PRIVATE_CA_PEM, SECOND_CA_PEM } from "./fixtures/private-ca";

const ISSUER = "https://auth.example.com/application/o/headlamp/";
const USER_CONFIG = "# the user's own K3s config\nkube-apiserver-arg:\n  - audit-log-maxage=30\n";
const OIDC_ARGS = (clientId: string) => [
    `oidc-issuer-url=${ISSUER}`,
    `oidc-client-id=${clientId}`,
    "oidc-username-claim=email",
    "oidc-username-prefix=-",
    "oidc-groups-claim=groups",
    "oidc-groups-prefix=oidc:",
];

interface Commands {
    create: string;
    update: string;
    delete: string;
    stdin: string;
    dropIn: string;
}

describe("K3sOidcApiServer on OpenRC (a real openrc-run and supervise-daemon, over a real SSH server)", function () {
    this.timeout(30000);
    let ssh: SshServer;
    let standIns: StandIns;
    let n = 0;
    let k3s: OpenRcK3s | undefined;
    let configFile: string;
    let dropIn: string;
    let root: string;

    before(async function () {
        if (!openRcAvailable()) {
            throw new Error("OpenRC is missing; install it (apt-get install -y openrc), as .ci/run does");
        }
        prepareOpenRc();
        removeStaleServices();
        ssh = await SshServer.start();
        standIns = new StandIns(ssh.binDir, path.join(ssh.dir, "state"));
    });
    afterEach(() => {
        k3s?.remove();
        k3s = undefined;
    });
    after(async () => {
        await ssh?.stop();
    });

    /** A K3s server under OpenRC, started: config.yaml with the user's own arg, no OIDC yet. */
    async function freshServer(options: Parameters<OpenRcK3s["install"]>[0] = {}): Promise<OpenRcK3s> {
        n += 1;
        root = path.join(ssh.dir, `case-${n}`);
        const dir = path.join(root, "etc", "rancher", "k3s");
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        configFile = path.join(dir, "config.yaml");
        fs.writeFileSync(configFile, USER_CONFIG, { mode: 0o600 });
        dropIn = path.join(`${configFile}.d`, "oidc-dev.yaml");
        // The systemd stand-in knows only "k3s": systemctl does not know our OpenRC service.
        standIns.install({ service: "k3s", configFile, version: "v1.31.4", binary: "k3s" });
        k3s = new OpenRcK3s(standIns, `hsso-k3s-${process.pid}-${n}`, root);
        k3s.install(options);
        await k3s.start();
        return k3s;
    }

    async function commandsFor(args: Partial<K3sOidcApiServerArgs> = {}): Promise<Commands> {
        const h = await MockHarness.install({ stack: "dev" });
        const component = new K3sOidcApiServer("oidc-dev", {
            servers: [{ host: ssh.host, port: ssh.port, user: "root", privateKey: ssh.privateKey, hostKey: ssh.hostKey }],
            issuerUrl: ISSUER,
            clientId: "headlamp",
            configFile,
            serviceName: k3s?.service,
            readyTimeoutSeconds: 4,
            readyPollSeconds: 1,
            ...args,
        });
        const text = await valueOf(component.dropIn);
        await h.settle();
        const cmd = h.one("command:remote:Command");
        return { create: cmd.inputs.create, update: cmd.inputs.update, delete: cmd.inputs.delete, stdin: cmd.inputs.stdin, dropIn: text };
    }

    function run(cmds: Commands, which: "create" | "update" | "delete" = "create"): SshResult {
        return ssh.exec(cmds[which], "root", cmds.stdin);
    }
    function ok(r: SshResult): SshResult {
        assert.strictEqual(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nlog:\n${k3s?.log()}`);
        return r;
    }
    function failed(r: SshResult): SshResult {
        assert.notStrictEqual(r.code, 0, `expected a failure, got exit 0\nstdout:\n${r.stdout}`);
        return r;
    }
    /** Makes `file` look edited after the running K3s started (a second later). */
    function editedAfterStart(file: string): void {
        const t = new Date(Date.now() + 1500);
        fs.utimesSync(file, t, t);
    }

    it("apply (serviceManager auto finds OpenRC), then a no-op: rc-service restart once, args read back from the log; the no-op restarts nothing", async () => {
        const server = await freshServer();
        const cmds = await commandsFor();
        const r = ok(run(cmds));
        assert.match(r.stdout, /installed .*oidc-dev\.yaml/);
        assert.match(r.stdout, /restarting hsso-k3s-\d+-\d+, waiting up to 4s/);
        assert.match(r.stdout, /applied: k3s on this server trusts https:\/\/auth\.example\.com\/application\/o\/headlamp\/ for client headlamp\n/);
        assert.strictEqual(server.starts(), 2, "rc-service start, then our rc-service restart");
        assert.strictEqual(fs.readFileSync(dropIn, "utf8"), cmds.dropIn);
        assert.deepStrictEqual(standIns.state().apiserverArgs, ["audit-log-maxage=30", ...OIDC_ARGS("headlamp")]);
        assert.match(server.log(), /Running kube-apiserver .*--oidc-client-id=headlamp/);

        for (const which of ["create", "update"] as const) {
            const again = ok(run(cmds, which));
            assert.match(again.stdout, /no change: .*oidc-dev\.yaml is already up to date and the API server is ready; nothing written, no restart/);
            assert.doesNotMatch(`${again.stdout}${again.stderr}`, /restarting|refusing/);
        }
        assert.strictEqual(server.starts(), 2, "the no-ops restarted nothing");
    });

    it("a change: restarts once and the new args are in force", async () => {
        const server = await freshServer();
        ok(run(await commandsFor()));
        const changed = await commandsFor({ clientId: "headlamp-2" });
        const r = ok(run(changed, "update"));
        assert.match(r.stdout, /backed up the previous files/);
        assert.strictEqual(server.starts(), 3);
        assert.strictEqual(fs.readFileSync(dropIn, "utf8"), changed.dropIn);
        assert.deepStrictEqual(standIns.state().apiserverArgs, ["audit-log-maxage=30", ...OIDC_ARGS("headlamp-2")]);
    });

    it("rollback: a change that crash-loops K3s (supervise-daemon respawning it) puts the previous files back and the server is ready again", async () => {
        const server = await freshServer();
        ok(run(await commandsFor()));
        const before = fs.readFileSync(dropIn);
        const r = failed(run(await commandsFor({ clientId: "fail-readiness" }), "update"));
        assert.match(r.stderr, /new OIDC settings rolled back: the API server did not become ready within 4s\. The previous files were restored byte for byte and hsso-k3s-\d+-\d+ is ready again\./);
        assert.match(r.stderr, new RegExp(`Last API server lines of ${server.logFile.replace(/[.]/g, "\\.")}:\\n[\\s\\S]*level=fatal msg="invalid argument: fail-readiness \\(test switch\\)"`));
        assert.ok(fs.readFileSync(dropIn).equals(before), "the previous drop-in, byte for byte");
        assert.ok(standIns.state().ready, "ready again");
        assert.ok(standIns.state().apiserverArgs?.includes("oidc-client-id=headlamp"), "running the previous args");
        assert.ok(server.starts() >= 4, "the crash-looping starts (respawns), then the rollback's");
    });

    it("delete: removes our drop-in, restarts, the server runs without OIDC args", async () => {
        const server = await freshServer();
        const cmds = await commandsFor();
        ok(run(cmds));
        const r = ok(run(cmds, "delete"));
        assert.match(r.stdout, /removed .*oidc-dev\.yaml/);
        assert.ok(!fs.existsSync(dropIn));
        assert.strictEqual(server.starts(), 3);
        assert.ok(standIns.state().ready);
        assert.deepStrictEqual(standIns.state().apiserverArgs, ["audit-log-maxage=30"]);
    });

    it("log-file read-back: a 'Running kube-apiserver' line from before our restart does not count", async () => {
        // A CA change keeps the args (the same --oidc-ca-file path), so the old line shows exactly
        // the expected args; the new start does not log where the read-back looks.
        const server = await freshServer();
        ok(run(await commandsFor({ issuerCaPem: PRIVATE_CA_PEM })));
        assert.match(server.log(), /Running kube-apiserver .*--oidc-ca-file=/);
        const ca = path.join(path.dirname(configFile), "oidc-dev-oidc-ca.pem");
        const caBefore = fs.readFileSync(ca);
        fs.writeFileSync(path.join(standIns.stateDir, "openrc.json"), JSON.stringify({ commandLineLogged: false }));
        const r = failed(run(await commandsFor({ issuerCaPem: SECOND_CA_PEM }), "update"));
        assert.match(r.stderr, /rolled back: the API server is ready but does not run them \(cannot read back the running kube-apiserver's args: no 'Running kube-apiserver' line in .*\.log since the restart/);
        assert.ok(fs.readFileSync(ca).equals(caBefore), "the previous CA file is back");
        assert.ok(standIns.state().ready);
    });

    it("pending edits on OpenRC: config.yaml, the init script or its env file changed after the supervised K3s started -> refused before writing, no restart", async () => {
        const server = await freshServer();
        const cmds = await commandsFor();
        for (const [file, edit] of [
            [configFile, () => fs.appendFileSync(configFile, "node-label: [unclosed\n")],
            [server.initScript, () => fs.appendFileSync(server.initScript, "# edited\n")],
            [server.envFile, () => fs.appendFileSync(server.envFile, "K3S_NODE_NAME=x\n")],
        ] as [string, () => void][]) {
            const saved = fs.readFileSync(file);
            const mode = fs.statSync(file).mode;
            edit();
            editedAfterStart(file);
            const r = failed(run(cmds));
            assert.match(r.stderr, new RegExp(`refusing to change anything: these files hsso-k3s-\\d+-\\d+ reads at start changed after it started at \\d{4}-[\\d-]+T[\\d:]+Z[\\s\\S]*\\n {2}- ${file.replace(/[.]/g, "\\.")} \\(modified `));
            assert.match(r.stderr, /Restart hsso-k3s-\d+-\d+ yourself and check that it comes up, then run pulumi up again/);
            assert.ok(!fs.existsSync(dropIn), "nothing written");
            assert.strictEqual(server.starts(), 1, "no restart");
            fs.writeFileSync(file, saved, { mode });
            const t = new Date(Date.now() - 5000);
            fs.utimesSync(file, t, t);
        }
        ok(run(cmds));
    });

    it("K3S_CONFIG_FILE from the env file the init script sources: the drop-in follows the file K3s reads", async () => {
        const moved = path.join(ssh.dir, `moved-${process.pid}`, "config.yaml");
        fs.mkdirSync(path.dirname(moved), { recursive: true });
        fs.writeFileSync(moved, "kube-apiserver-arg:\n  - audit-log-maxage=7\n");
        await freshServer({ env: [`K3S_CONFIG_FILE=${moved}`] });
        const r = ok(run(await commandsFor()));
        assert.match(r.stdout, new RegExp(`reads ${moved.replace(/[.]/g, "\\.")} \\(K3S_CONFIG_FILE .*\\.env\\)`));
        assert.ok(fs.existsSync(path.join(`${moved}.d`, "oidc-dev.yaml")));
        assert.ok(!fs.existsSync(dropIn));
        assert.deepStrictEqual(standIns.state().apiserverArgs, ["audit-log-maxage=7", ...OIDC_ARGS("headlamp")]);
    });

    it("inspect on OpenRC: service.manager=openrc, running args read from the log, a pending edit listed; nothing changes", async () => {
        const server = await freshServer();
        const cmds = await commandsFor();
        ok(run(cmds));
        editedAfterStart(configFile);
        const r = ssh.exec(runCommand("inspect", { sudo: false }), "root", cmds.stdin);
        assert.strictEqual(r.code, 0, r.stderr);
        const kv = new Map(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
        assert.strictEqual(kv.get("service.manager"), "openrc");
        assert.strictEqual(kv.get("service.state"), "running");
        assert.match(kv.get("service.started") ?? "", /^\d+$/);
        assert.strictEqual(kv.get("dropin.state"), "ours");
        assert.strictEqual(kv.get("running.state"), "ours");
        assert.match(kv.get("pending") ?? "", new RegExp(`^\\d+ ${configFile.replace(/[.]/g, "\\.")}$`));
        assert.strictEqual(server.starts(), 2, "inspect restarts nothing");
    });

    it("auto finds neither manager -> refuses naming both and the fix; serviceManager systemd on this host -> systemd's refusal; nothing written", async () => {
        await freshServer();
        const none = failed(run(await commandsFor({ serviceName: `hsso-none-${process.pid}` })));
        assert.match(none.stderr, /ERROR: service hsso-none-\d+ not found: systemd does not know it \(systemctl is not installed, or systemctl cat hsso-none-\d+ failed\) and \/etc\/init\.d\/hsso-none-\d+ is not an OpenRC script \(#!\/sbin\/openrc-run, with rc-service installed\); is this a k3s server node\? Set serviceName to the service that runs k3s/);
        const forced = failed(run(await commandsFor({ serviceManager: "systemd" })));
        assert.match(forced.stderr, /ERROR: service hsso-k3s-\d+-\d+ not found \(systemctl cat hsso-k3s-\d+-\d+ failed\)/);
        assert.ok(!fs.existsSync(dropIn), "nothing written");
        assert.strictEqual(k3s?.starts(), 1, "no restart");
        const explicit = ok(run(await commandsFor({ serviceManager: "openrc" })));
        assert.match(explicit.stdout, /applied: /);
    });

    it("serviceManager is validated with the other args: a wrong value, and openrc with RKE2 (RKE2 supports systemd only)", () => {
        const base = { servers: [{ host: "k3s-1.lan" }], issuerUrl: ISSUER, clientId: "headlamp" };
        const wrong = validateK3sArgs("oidc", { ...base, serviceManager: "upstart" });
        assert.match(wrong.format("K3sOidcApiServer"), /serviceManager: "upstart" is not one of "auto", "systemd", "openrc"/);
        const rke2 = validateK3sArgs("oidc", { ...base, serviceManager: "openrc", distribution: "rke2" });
        assert.match(rke2.format("K3sOidcApiServer"), /serviceManager: "openrc" with distribution "rke2": RKE2 supports systemd only/);
        assert.ok(validateK3sArgs("oidc", { ...base, serviceManager: "openrc" }).ok);
    });
});
