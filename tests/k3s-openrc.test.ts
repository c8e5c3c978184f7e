// K3sOidcApiServer's runbook on a K3s server without systemd (Alpine): apply, no-op, inspect,
// change and delete, pending edits, K3S_CONFIG_FILE from the env file, the service manager's
// detection and validation, against a REAL OpenRC (openrc-run, supervise-daemon, rc-service)
// over a real OpenSSH server on 127.0.0.1. The fixture (openRcSuite, which calls
// SshServer.start() in its before hook) is in tests/ssh/openrc-suite.ts; rollbacks are in
// tests/k3s-openrc-rollback.test.ts and the restart's own checks in tests/k3s-openrc-restart.test.ts
// (the files run in parallel workers).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { validateK3sArgs } from "../components/k3s/settings";
import { runCommand } from "../components/k3s/script";
import { ISSUER, OIDC_ARGS, openRcSuite } from "./ssh/openrc-suite";

describe("K3sOidcApiServer on OpenRC (a real openrc-run and supervise-daemon, over a real SSH server)", function () {
    this.timeout(30000);
    const t = openRcSuite();

    /** Runs the read-only inspect action; its key=value lines (the first of each key). */
    function inspect(stdin: string): Map<string, string> {
        const r = t.ssh.exec(runCommand("inspect", { sudo: false }), "root", stdin);
        assert.strictEqual(r.code, 0, r.stderr);
        const kv = new Map<string, string>();
        for (const l of r.stdout.trim().split("\n")) {
            const k = l.slice(0, l.indexOf("="));
            if (!kv.has(k)) {
                kv.set(k, l.slice(l.indexOf("=") + 1));
            }
        }
        return kv;
    }

    it("apply (serviceManager auto finds OpenRC), no-op, inspect, change, delete: one rc-service restart per change, args read back from the log file", async () => {
        const server = await t.freshServer();
        const cmds = await t.commandsFor();
        const r = t.ok(t.run(cmds));
        assert.match(r.stdout, /installed .*oidc-dev\.yaml/);
        assert.match(r.stdout, /restarting hsso-k3s-\d+-\d+, waiting up to 10s/);
        assert.match(r.stdout, /applied: k3s on this server trusts https:\/\/auth\.example\.com\/application\/o\/headlamp\/ for client headlamp\n/);
        assert.strictEqual(server.restarts(), 1, "one rc-service restart");
        assert.strictEqual(fs.readFileSync(t.dropIn, "utf8"), cmds.dropIn);
        assert.deepStrictEqual(t.standIns.state().apiserverArgs, ["audit-log-maxage=30", ...OIDC_ARGS("headlamp")]);
        assert.match(server.log(), /Running kube-apiserver .*--oidc-client-id=headlamp/);

        // A no-op, for create and update alike: nothing written, no restart, no refusal.
        for (const which of ["create", "update"] as const) {
            const again = t.ok(t.run(cmds, which));
            assert.match(again.stdout, /no change: .*oidc-dev\.yaml is already up to date and the API server is ready; nothing written, no restart/);
            assert.doesNotMatch(`${again.stdout}${again.stderr}`, /restarting|refusing/);
        }
        assert.strictEqual(server.restarts(), 1, "the no-ops restarted nothing");

        // inspect (the doctor's view): OpenRC, ours in force, a pending edit listed; nothing changes.
        // A line of an older start (its time before the running K3s started) at the end of the log
        // (e.g. an old log appended back) does not count: inspect reads the last line since the start.
        t.editedAfterStart(t.configFile);
        fs.appendFileSync(server.logFile, `time="${new Date(Date.now() - 3600e3).toISOString()}" level=info msg="Running kube-apiserver --oidc-client-id=stale --oidc-issuer-url=${ISSUER}"\n`);
        const kv = inspect(cmds.stdin);
        assert.strictEqual(kv.get("service.manager"), "openrc");
        assert.strictEqual(kv.get("service.log"), server.logFile, "the log file the doctor names on OpenRC");
        assert.strictEqual(kv.get("service.state"), "running");
        assert.match(kv.get("service.started") ?? "", /^\d+$/);
        assert.strictEqual(kv.get("dropin.state"), "ours");
        assert.strictEqual(kv.get("running.state"), "ours");
        assert.match(kv.get("pending") ?? "", new RegExp(`^\\d+ ${t.configFile.replace(/[.]/g, "\\.")}$`));
        assert.strictEqual(server.restarts(), 1, "inspect restarts nothing");
        const past = new Date(Date.now() - 60000);
        fs.utimesSync(t.configFile, past, past);

        // A change: backed up, one restart, the new args in force.
        const changed = await t.commandsFor({ clientId: "headlamp-2" });
        const c = t.ok(t.run(changed, "update"));
        assert.match(c.stdout, /backed up the previous files/);
        assert.strictEqual(server.restarts(), 2);
        assert.strictEqual(fs.readFileSync(t.dropIn, "utf8"), changed.dropIn);
        assert.deepStrictEqual(t.standIns.state().apiserverArgs, ["audit-log-maxage=30", ...OIDC_ARGS("headlamp-2")]);

        // Delete: our drop-in removed, one restart, no OIDC args in force.
        const d = t.ok(t.run(changed, "delete"));
        assert.match(d.stdout, /removed .*oidc-dev\.yaml/);
        assert.ok(!fs.existsSync(t.dropIn));
        assert.strictEqual(server.restarts(), 3);
        await server.waitReady(5000);
        assert.deepStrictEqual(t.standIns.state().apiserverArgs, ["audit-log-maxage=30"]);
    });

    it("pending edits on OpenRC: config.yaml, the init script or its env file changed after the supervised K3s started -> refused before writing, no restart", async () => {
        const server = await t.freshServer();
        const cmds = await t.commandsFor();
        for (const [file, edit] of [
            [t.configFile, () => fs.appendFileSync(t.configFile, "node-label: [unclosed\n")],
            [server.initScript, () => fs.appendFileSync(server.initScript, "# edited\n")],
            [server.envFile, () => fs.appendFileSync(server.envFile, "K3S_NODE_NAME=x\n")],
        ] as [string, () => void][]) {
            const saved = fs.readFileSync(file);
            const mode = fs.statSync(file).mode;
            edit();
            t.editedAfterStart(file);
            const r = t.failed(t.run(cmds));
            assert.match(r.stderr, new RegExp(`refusing to change anything: these files hsso-k3s-\\d+-\\d+ reads at start changed after it started at \\d{4}-[\\d-]+T[\\d:]+Z[\\s\\S]*\\n {2}- ${file.replace(/[.]/g, "\\.")} \\(modified `));
            assert.match(r.stderr, /Restart hsso-k3s-\d+-\d+ yourself and check that it comes up, then run pulumi up again/);
            assert.ok(!fs.existsSync(t.dropIn), "nothing written");
            assert.strictEqual(server.restarts(), 0, "no restart");
            fs.writeFileSync(file, saved, { mode });
            const past = new Date(Date.now() - 60000);
            fs.utimesSync(file, past, past);
        }
    });

    it("pending edit in the start's second on OpenRC (supervise-daemon records whole seconds): counted as pending, refused", async () => {
        const server = await t.freshServer();
        const cmds = await t.commandsFor();
        const started = Number(inspect(cmds.stdin).get("service.started"));
        assert.ok(started > 0);
        // Late in the second K3s started in: before or after the start, OpenRC cannot tell.
        fs.utimesSync(t.configFile, started + 0.999, started + 0.999);
        const r = t.failed(t.run(cmds));
        assert.match(r.stderr, new RegExp(`refusing to change anything: [\\s\\S]*\\n {2}- ${t.configFile.replace(/[.]/g, "\\.")} \\(modified `));
        assert.ok(!fs.existsSync(t.dropIn), "nothing written");
        assert.strictEqual(server.restarts(), 0, "no restart");
    });

    it("K3S_CONFIG_FILE from the env file the init script sources: the drop-in follows the file K3s reads", async () => {
        const moved = path.join(t.ssh.dir, `moved-${process.pid}`, "config.yaml");
        fs.mkdirSync(path.dirname(moved), { recursive: true });
        fs.writeFileSync(moved, "kube-apiserver-arg:\n  - audit-log-maxage=7\n");
        const past = new Date(Date.now() - 2000);
        fs.utimesSync(moved, past, past);
        await t.freshServer({ env: [`K3S_CONFIG_FILE=${moved}`] });
        const r = t.ok(t.run(await t.commandsFor()));
        assert.match(r.stdout, new RegExp(`reads ${moved.replace(/[.]/g, "\\.")} \\(K3S_CONFIG_FILE .*\\.env\\)`));
        assert.ok(fs.existsSync(path.join(`${moved}.d`, "oidc-dev.yaml")));
        assert.ok(!fs.existsSync(t.dropIn));
        assert.deepStrictEqual(t.standIns.state().apiserverArgs, ["audit-log-maxage=7", ...OIDC_ARGS("headlamp")]);
    });

    it("auto finds neither manager -> refuses naming both and the fix; serviceManager systemd on this host -> systemd's refusal, nothing written; serviceManager openrc is taken as given", async () => {
        const server = await t.freshServer();
        const none = t.failed(t.run(await t.commandsFor({ serviceName: `hsso-none-${process.pid}` })));
        assert.match(none.stderr, /ERROR: service hsso-none-\d+ not found: systemd does not know it \(systemctl is not installed, or systemctl cat hsso-none-\d+ failed\) and \/etc\/init\.d\/hsso-none-\d+ is not an OpenRC script \(#!\/sbin\/openrc-run, with rc-service installed\); is this a k3s server node\? Set serviceName to the service that runs k3s/);
        const forced = t.failed(t.run(await t.commandsFor({ serviceManager: "systemd" })));
        assert.match(forced.stderr, /ERROR: service hsso-k3s-\d+-\d+ not found \(systemctl cat hsso-k3s-\d+-\d+ failed\)/);
        assert.ok(!fs.existsSync(t.dropIn), "nothing written");
        assert.strictEqual(server.restarts(), 0, "no restart");
        assert.strictEqual(inspect((await t.commandsFor({ serviceManager: "openrc" })).stdin).get("service.manager"), "openrc");
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
