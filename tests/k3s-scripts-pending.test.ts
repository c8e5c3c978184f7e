// More of the K3s script tests over a real SSH server (see tests/k3s-scripts.test.ts and the fixture,
// tests/ssh/k3s-fixture.ts); a file of their own so that mocha runs them beside the others.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { reportedDropInPath } from "../components/k3s/script";
import { OIDC_ARGS, USER_ARGS, USER_CONFIG, appliedAndRunning, c, commandsFor, editedAfterStart, exists, failed, freshServer, listTree, ok, read, refusedPending, run, ssh, standIns, useK3sServer } from "./ssh/k3s-fixture";

describe("K3sOidcApiServer scripts over a real SSH server: pending edits, the config file K3s reads, bounded commands", function () {
    this.timeout(60000);
    useK3sServer();

    // --- Point 1: an edit the user made and has not applied yet (K3s runs what it read at its start) ---

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

        // Only our own drop-in (installed after the e.g. an owner-only change) is newer: fine.
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

    it("pending edit in the same second as the start: compared with systemd's microseconds and stat's nanoseconds, a later edit is refused and an earlier one is not", async () => {
        await appliedAndRunning();
        // K3s started at .200 of a second (a whole second ahead, so no other file is newer).
        const start = Math.ceil(Date.now() / 1000) * 1000 + 1200;
        standIns.startedAt(start);
        const show = spawnSync(path.join(ssh.binDir, "systemctl"), ["show", "--timestamp=us+utc", "-p", "ExecMainStartTimestamp", "k3s"], { encoding: "utf8" }).stdout;
        assert.match(show, /^ExecMainStartTimestamp=\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.200000 UTC$/m);
        fs.utimesSync(c.configFile, (start + 500) / 1000, (start + 500) / 1000);
        const tree = listTree(c.root);
        const changed = await commandsFor({ clientId: "headlamp-2" });
        refusedPending(failed(run(changed, "update")), c.configFile, tree, 1);
        // Edited in the same second, before the start: in force already, not pending.
        fs.utimesSync(c.configFile, (start - 100) / 1000, (start - 100) / 1000);
        assert.match(ok(run(changed, "update")).stdout, /applied: .* for client headlamp-2/);
    });

    it("pending edit in the start's second with BusyBox's stat (whole seconds, as on Alpine): counted as pending even before the start", async () => {
        await appliedAndRunning();
        // K3s started at .700 of a second; config.yaml changed at .200 of it, before the start.
        const start = Math.ceil(Date.now() / 1000) * 1000 + 1700;
        standIns.startedAt(start);
        fs.utimesSync(c.configFile, (start - 500) / 1000, (start - 500) / 1000);
        const changed = await commandsFor({ clientId: "headlamp-2" });
        // BusyBox's stat as the session's stat: its %.9Y prints whole seconds.
        const busybox = "/bin/busybox";
        assert.ok(fs.existsSync(busybox), "BusyBox is missing; install it (apt-get install -y busybox), as .ci/run does");
        assert.match(spawnSync(busybox, ["stat", "-c", "%.9Y", c.configFile], { encoding: "utf8" }).stdout, /^\d+\n$/);
        const stat = path.join(ssh.binDir, "stat");
        fs.symlinkSync(busybox, stat);
        try {
            const tree = listTree(c.root);
            refusedPending(failed(run(changed, "update")), c.configFile, tree, 1);
        } finally {
            fs.rmSync(stat, { force: true });
        }
        // GNU stat's nanoseconds tell: before the start, so in force already.
        assert.match(ok(run(changed, "update")).stdout, /applied: .* for client headlamp-2/);
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
        assert.strictEqual(reportedDropInPath(r.stdout), dropIn, "the component's dropInPaths entry for this server");
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
            assert.strictEqual(reportedDropInPath(r.stdout), path.join(`${real}.d`, "oidc-dev.yaml"), "the component's dropInPaths entry for this server");
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

    it("K3S_CONFIG_FILE from systemd's manager environment (set-environment, DefaultEnvironment=): followed, and the unit's Environment= overrides it", async () => {
        freshServer();
        const real = path.join(c.root, "srv", "manager's-k3s.yaml");
        fs.mkdirSync(path.dirname(real), { recursive: true });
        fs.writeFileSync(real, USER_CONFIG);
        // A path systemctl show-environment prints quoted ($'...'), as systemd does.
        standIns.reconfigure({ managerEnvironment: { K3S_CONFIG_FILE: real, OTHER: "x" } });
        assert.match(spawnSync(path.join(ssh.binDir, "systemctl"), ["show-environment"], { encoding: "utf8" }).stdout, /^K3S_CONFIG_FILE=\$'.*manager\\'s-k3s\.yaml'$/m);
        const cmds = await commandsFor();
        const r = ok(run(cmds, "create"));
        assert.ok(r.stdout.includes(`k3s reads ${real} (K3S_CONFIG_FILE systemd's manager environment (systemctl show-environment)), not ${c.configFile}: our drop-in goes into ${real}.d`), r.stdout);
        assert.ok(exists(path.join(`${real}.d`, "oidc-dev.yaml")));
        assert.ok(!exists(c.dropIn));
        assert.deepStrictEqual(standIns.state().apiserverArgs, [...USER_ARGS, ...OIDC_ARGS("headlamp")]);

        // The unit's own Environment= comes after the manager's: it wins.
        freshServer();
        const unitOwn = path.join(c.root, "unit.yaml");
        fs.writeFileSync(unitOwn, USER_CONFIG);
        standIns.reconfigure({ managerEnvironment: { K3S_CONFIG_FILE: real }, environment: [`K3S_CONFIG_FILE=${unitOwn}`] });
        const u = ok(run(await commandsFor(), "create"));
        assert.ok(u.stdout.includes(`k3s reads ${unitOwn} (K3S_CONFIG_FILE Environment= of k3s)`), u.stdout);
        assert.ok(exists(path.join(`${unitOwn}.d`, "oidc-dev.yaml")));
        assert.ok(standIns.state().apiserverArgs?.includes("oidc-client-id=headlamp"));
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
});
