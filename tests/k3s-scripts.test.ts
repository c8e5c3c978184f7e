// The remote scripts of K3sOidcApiServer, run for real: the exact create/update/delete command text
// the component passes to remote.Command (taken from the mocked registration) goes over SSH to a
// throwaway OpenSSH server on 127.0.0.1, against a temporary configFile and stand-in
// systemctl/journalctl/k3s executables that behave like a K3s server (see tests/ssh/stand-ins.ts).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CA1, CA2, OIDC_ARGS, SUDO_USER, USER_ARGS, USER_CONFIG, c, commandsFor, exists, failed, freshServer, listTree, ok, read, run, ssh, standIns, useK3sServer } from "./ssh/k3s-fixture";

describe("K3sOidcApiServer scripts over a real SSH server", function () {
    this.timeout(60000);
    useK3sServer();

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
});
