// More of the K3s script tests over a real SSH server (see tests/k3s-scripts.test.ts and the fixture,
// tests/ssh/k3s-fixture.ts); a file of their own so that mocha runs them beside the others.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CA1, CA2, OIDC_ARGS, USER_CONFIG, c, changeInRestart, commandsFor, exists, failed, freshServer, listTree, ok, read, run, signalScriptSession, ssh, standIns, start, useK3sServer, waitFor } from "./ssh/k3s-fixture";

describe("K3sOidcApiServer scripts over a real SSH server: one change at a time, crash-safe, never overriding, never claiming", function () {
    this.timeout(60000);
    useK3sServer();

    // --- Real servers: one change at a time, crash-safe, never overriding, never claiming ---

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
        // When the killed restart would have finished, had it survived the kill.
        const killedRestartEnds = Number(fs.readFileSync(path.join(standIns.stateDir, "restarts.log"), "utf8").trim().split("\n")[1].split(" ")[1]) + 2000;
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
        // The reboot ended the restart job with the script: it never finishes later (over the next run's settings).
        await new Promise((r) => setTimeout(r, Math.max(0, killedRestartEnds + 300 - Date.now())));
        const s = standIns.state();
        assert.strictEqual(s.restarts, 4, "first apply, killed change, rollback, the change again");
        assert.strictEqual(s.restartIntervals.length, 3, "the killed restart never finished");
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
        // K3s reads another config file through a wrapper in ExecStart that exports
        // K3S_CONFIG_FILE, which neither systemctl nor the runbook can see: config.yaml.d next to
        // the default one is never read, and only the read-back can tell.
        const elsewhere = path.join(c.root, "srv-k3s.yaml");
        fs.writeFileSync(elsewhere, USER_CONFIG);
        standIns.reconfigure({ wrapperEnvironment: { K3S_CONFIG_FILE: elsewhere } });
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
});
