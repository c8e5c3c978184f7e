// The doctor's server checks (server-config, server-args, server-pending; cli/servers.ts) against
// servers prepared by a real `apply` of the K3s runbook: the component's create command and script
// (from its mocked registration: registeredCommands, tests/ssh/k3s-fixture.ts) run over a real
// OpenSSH server on 127.0.0.1 (tests/ssh/sshd.ts) against the project's K3s stand-ins
// (tests/ssh/stand-ins.ts); then the doctor inspects the same server over SSH with the plan the
// component exported (planJson, the stack output apiServerInspect's plan), with its own ssh client,
// key file and pinned known_hosts. Each case breaks the server the way a user would and reads the doctor's result.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { K3sOidcApiServerArgs } from "../../components";
import { K3sOidcPlan } from "../../components/k3s/settings";
import { reportedDropInPath } from "../../components/k3s/script";
import { DoctorInputs } from "../../cli/context";
import { runChecks } from "../../cli/doctor";
import { CheckResult } from "../../cli/report";
import { serverChecks } from "../../cli/servers";
import { SshTarget, formatTarget, parseSshTarget } from "../../cli/ssh";
import { Commands, caseRoot, registeredCommands } from "../ssh/k3s-fixture";
import { SshServer, freePort } from "../ssh/sshd";
import { StandIns } from "../ssh/stand-ins";

const USER_CONFIG = "# the user's own K3s config\nwrite-kubeconfig-mode: \"0600\"\n";

describe("doctor: the server checks against servers prepared by the runbook's apply, over a real sshd", function () {
    this.timeout(60000);
    let ssh: SshServer;
    let standIns: StandIns;
    let dir: string;
    let n = 0;
    let configFile: string;
    let root: string;

    before(async function () {
        if (!SshServer.available()) {
            this.skip();
        }
        ssh = await SshServer.start();
        standIns = new StandIns(ssh.binDir, path.join(ssh.dir, "state"));
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-servers-ssh-"));
    });
    after(async () => {
        await ssh?.stop();
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    /** A fresh server: config.yaml with the user's own settings, a ready API server, no restarts yet. */
    function freshServer(): void {
        n += 1;
        ({ root, configFile } = caseRoot(ssh.dir, n, USER_CONFIG));
        standIns.install({ service: "k3s", configFile, version: "v1.31.4", binary: "k3s" });
    }

    /** The component's create command, script and plan for these args (under mocks). */
    function component(args: Partial<K3sOidcApiServerArgs> = {}): Promise<Commands> {
        return registeredCommands(ssh, configFile, args);
    }

    /** A real apply of the runbook, as remote.Command runs it. */
    function apply(a: Commands): string {
        const r = ssh.exec(a.create, "root", a.stdin);
        assert.strictEqual(r.code, 0, `apply: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
        return r.stdout;
    }

    const target = (): SshTarget => parseSshTarget(`root@127.0.0.1:${ssh.port}`);

    /** The doctor's three server checks for these servers, with its own ssh client (key file, pinned host key, no agent). */
    async function doctor(plan: K3sOidcPlan, targets: SshTarget[] = [target()], appliedDropIns?: Record<string, string>): Promise<CheckResult[]> {
        const inputs = {
            usernameClaim: "email", usernamePrefix: "", groupsClaim: "groups", groupsPrefix: "oidc:", kubectl: false, cluster: "main", now: () => 0,
            servers: {
                targets,
                plan,
                appliedDropIns,
                ssh: { keyFile: ssh.privateKeyPath, knownHostsFile: path.join(ssh.dir, "known_hosts"), env: { PATH: process.env.PATH, HOME: dir }, connectTimeoutSeconds: 5 },
            },
        } as DoctorInputs;
        return runChecks(serverChecks(inputs), inputs);
    }

    function byName(results: CheckResult[], server = formatTarget(target())): Record<string, CheckResult> {
        return Object.fromEntries(results.filter((r) => r.server === server).map((r) => [r.check, r]));
    }

    const statuses = (r: Record<string, CheckResult>) => [r["server-config"]?.status, r["server-args"]?.status, r["server-pending"]?.status];
    const show = (results: CheckResult[]) => JSON.stringify(results, null, 1);

    /** Sets a file's mtime after the running K3s started (an edit made since). */
    function editedAfterStart(file: string): void {
        const started = standIns.started();
        assert.ok(started !== undefined, "K3s has started");
        const t = new Date(started + 2000);
        fs.utimesSync(file, t, t);
    }

    /** Every file under `dirs`, with its mtime and content (the lock file too: inspect takes none). */
    function snapshot(...dirs: string[]): string[] {
        const out: string[] = [];
        const walk = (d: string) => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                const st = fs.statSync(p);
                out.push(`${p} ${st.mtimeMs} ${st.mode} ${e.isFile() ? fs.readFileSync(p).toString("base64") : "dir"}`);
                if (e.isDirectory()) {
                    walk(p);
                }
            }
        };
        dirs.forEach(walk);
        return out.sort();
    }

    it("1. a healthy server: server-config, server-args and server-pending pass, naming the drop-in and the args", async () => {
        freshServer();
        const a = await component();
        apply(a);
        const results = await doctor(a.plan);
        const r = byName(results);
        assert.deepStrictEqual(statuses(r), ["pass", "pass", "pass"], show(results));
        assert.ok(r["server-config"].detail.startsWith(`root@127.0.0.1:${ssh.port}: ${configFile}.d/oidc-dev.yaml is ours and equal to what the stack applied`), r["server-config"].detail);
        assert.match(r["server-config"].detail, /\(K3s reads .*config\.yaml, default\)/);
        assert.match(r["server-args"].detail, /has exactly the stack's args: .*--oidc-client-id=headlamp /);
        assert.match(r["server-pending"].detail, /no file K3s reads changed since it started/);
    });

    it("1b. structured mode: healthy passes (AuthenticationConfiguration ours); that file edited by hand, or another file's OIDC arg, fails server-config naming the file", async () => {
        freshServer();
        const a = await component({ mode: "structured" });
        apply(a);
        let results = await doctor(a.plan);
        let r = byName(results);
        assert.deepStrictEqual(statuses(r), ["pass", "pass", "pass"], show(results));
        assert.match(r["server-config"].detail, /, so is the AuthenticationConfiguration/);
        assert.match(r["server-args"].detail, /has exactly the stack's args: --authentication-config=/);
        // Another file sets an OIDC arg: the runbook's conflict line, named in server-config.
        fs.writeFileSync(configFile, `${USER_CONFIG}kube-apiserver-arg:\n  - oidc-issuer-url=https://old.example.com/\n`);
        results = await doctor(a.plan);
        r = byName(results);
        assert.strictEqual(r["server-config"].status, "fail", show(results));
        assert.ok(r["server-config"].detail.includes(`another OIDC setting: ${configFile} sets the kube-apiserver arg oidc-issuer-url`), r["server-config"].detail);
        assert.match(r["server-config"].fix ?? "", /Remove the other OIDC setting/);
        fs.writeFileSync(configFile, USER_CONFIG);
        // The AuthenticationConfiguration edited by hand.
        const authConfig = path.join(path.dirname(configFile), "oidc-dev-authentication-config.yaml");
        fs.writeFileSync(authConfig, fs.readFileSync(authConfig, "utf8").replace("headlamp", "someone-else"));
        results = await doctor(a.plan);
        r = byName(results);
        assert.strictEqual(r["server-config"].status, "fail", show(results));
        assert.ok(r["server-config"].detail.includes(`our AuthenticationConfiguration ${authConfig} carries our owner line but not what the stack applied`), r["server-config"].detail);
    });

    it("2. the drop-in removed by hand: server-config fails naming the file, the fix is pulumi up", async () => {
        freshServer();
        const a = await component();
        apply(a);
        const dropIn = `${configFile}.d/oidc-dev.yaml`;
        fs.rmSync(dropIn);
        const results = await doctor(a.plan);
        const r = byName(results);
        assert.strictEqual(r["server-config"].status, "fail", show(results));
        assert.ok(r["server-config"].detail.includes(`our drop-in ${dropIn} is missing`), r["server-config"].detail);
        assert.match(r["server-config"].fix ?? "", /^Run pulumi up /);
        // The running K3s still has the args (it read the file at its start): server-args passes.
        assert.strictEqual(r["server-args"].status, "pass", show(results));
    });

    it("3. the drop-in edited by hand (another client id): server-config fails naming the file", async () => {
        freshServer();
        const a = await component();
        apply(a);
        const dropIn = `${configFile}.d/oidc-dev.yaml`;
        const text = fs.readFileSync(dropIn, "utf8");
        assert.ok(text.includes("oidc-client-id=headlamp"), text);
        fs.writeFileSync(dropIn, text.replace("oidc-client-id=headlamp", "oidc-client-id=someone-else"));
        editedAfterStart(dropIn);
        const results = await doctor(a.plan);
        const r = byName(results);
        assert.strictEqual(r["server-config"].status, "fail", show(results));
        assert.ok(r["server-config"].detail.includes(`our drop-in ${dropIn} carries our owner line but not what the stack applied`), r["server-config"].detail);
        assert.match(r["server-config"].fix ?? "", /pulumi up/);
        // The edit was made after K3s started and waits for the next restart: server-config says so.
        // The runbook's pending_edits leaves out every file with this stack's owner line (apply
        // rewrites it anyway), so server-pending does not list it a second time.
        assert.match(r["server-config"].detail, /the next K3s restart applies the edit/);
        assert.strictEqual(r["server-pending"].status, "pass", show(results));
        assert.strictEqual(r["server-args"].status, "pass", "K3s still runs with what the stack applied");
    });

    it("4. K3s running with args other than the files say: server-args fails naming the arg, server-config passes", async () => {
        freshServer();
        const a = await component();
        apply(a);
        const dropIn = `${configFile}.d/oidc-dev.yaml`;
        const ours = fs.readFileSync(dropIn);
        // K3s is restarted with another client id (a later apply), then our bytes are put back as
        // they were before that start: the files say headlamp, the running API server another.
        apply(await component({ clientId: "headlamp-2" }));
        assert.ok(standIns.state().apiserverArgs?.includes("oidc-client-id=headlamp-2"));
        fs.writeFileSync(dropIn, ours);
        const before = new Date((standIns.started() ?? 0) - 5000);
        fs.utimesSync(dropIn, before, before);
        const results = await doctor(a.plan);
        const r = byName(results);
        assert.deepStrictEqual(statuses(r), ["pass", "fail", "pass"], show(results));
        // Only the arg that differs is named: the runbook does not count --anonymous-auth (K3s runs with it).
        assert.ok(r["server-args"].detail.endsWith("args differ from the stack's: missing --oidc-client-id=headlamp; not the stack's --oidc-client-id=headlamp-2."), r["server-args"].detail);
        assert.match(r["server-args"].fix ?? "", /restart K3s yourself \(systemctl restart k3s\)/);
    });

    it("5. a pending edit (config.yaml changed after K3s started): server-pending fails naming the file, the fix is to restart K3s yourself", async () => {
        freshServer();
        const a = await component();
        apply(a);
        fs.appendFileSync(configFile, "node-label:\n  - team=web\n");
        editedAfterStart(configFile);
        const results = await doctor(a.plan);
        const r = byName(results);
        assert.deepStrictEqual(statuses(r), ["pass", "pass", "fail"], show(results));
        assert.ok(r["server-pending"].detail.includes(`not yet in force: ${configFile} (`), r["server-pending"].detail);
        assert.match(r["server-pending"].fix ?? "", /restart K3s yourself after your edit \(systemctl restart k3s\)/);
    });

    it("6. K3S_CONFIG_FILE pointing elsewhere: the checks follow it as apply does (healthy after an apply there, whatever the stack's configFile)", async () => {
        freshServer();
        const real = path.join(root, "k3s-real.yaml");
        fs.writeFileSync(real, USER_CONFIG, { mode: 0o600 });
        const envFile = path.join(root, "k3s.service.env");
        fs.writeFileSync(envFile, `K3S_CONFIG_FILE=${real}\n`);
        standIns.reconfigure({ environmentFiles: [`-${envFile}`] });
        for (const stackConfigFile of [real, configFile]) {
            const a = await component({ configFile: stackConfigFile });
            apply(a);
            assert.ok(fs.existsSync(`${real}.d/oidc-dev.yaml`), "apply wrote beside the file K3s reads");
            assert.ok(!fs.existsSync(`${configFile}.d`), "and not beside the stack's configFile");
            const results = await doctor(a.plan);
            const r = byName(results);
            assert.deepStrictEqual(statuses(r), ["pass", "pass", "pass"], `configFile ${stackConfigFile}: ${show(results)}`);
            assert.ok(r["server-config"].detail.includes(`${real}.d/oidc-dev.yaml is ours`), r["server-config"].detail);
            assert.ok(r["server-config"].detail.includes(`K3s reads ${real}, K3S_CONFIG_FILE ${envFile}`), r["server-config"].detail);
        }
    });

    it("6b. K3S_CONFIG_FILE moved after pulumi up: server-config names where apply put the drop-in (the stack's dropInPaths) and that K3s no longer reads it", async () => {
        freshServer();
        const real = path.join(root, "k3s-real.yaml");
        const later = path.join(root, "k3s-later.yaml");
        for (const f of [real, later]) {
            fs.writeFileSync(f, USER_CONFIG, { mode: 0o600 });
        }
        const envFile = path.join(root, "k3s.service.env");
        fs.writeFileSync(envFile, `K3S_CONFIG_FILE=${real}\n`);
        standIns.reconfigure({ environmentFiles: [`-${envFile}`] });
        const a = await component();
        // What the component reports as this server's dropInPaths entry.
        const applied = reportedDropInPath(apply(a));
        assert.strictEqual(applied, `${real}.d/oidc-dev.yaml`);
        const where = formatTarget(target());
        assert.deepStrictEqual(statuses(byName(await doctor(a.plan, [target()], { [where]: applied }))), ["pass", "pass", "pass"]);

        fs.writeFileSync(envFile, `K3S_CONFIG_FILE=${later}\n`);
        const results = await doctor(a.plan, [target()], { [where]: applied });
        const r = byName(results);
        assert.strictEqual(r["server-config"].status, "fail", show(results));
        assert.ok(r["server-config"].detail.includes(`pulumi up put our drop-in at ${real}.d/oidc-dev.yaml (the stack's dropInPaths), but K3s now reads ${later} (K3S_CONFIG_FILE ${envFile}), whose drop-ins are in ${later}.d: the file pulumi up wrote is not read.`), r["server-config"].detail);
        assert.ok(!r["server-config"].detail.includes("is missing"), "said once, not again as a missing file");
        assert.match(r["server-config"].fix ?? "", new RegExp(`undo the --config / K3S_CONFIG_FILE change\\), or remove ${real.replace(/[.]/g, "\\.")}\\.d/oidc-dev\\.yaml and run pulumi up`));
    });

    it("7. an unreachable host is named in its server-config; the checks of a second, healthy server still run and pass", async () => {
        freshServer();
        const a = await component();
        apply(a);
        const gone = parseSshTarget(`root@127.0.0.1:${await freePort()}`);
        const results = await doctor(a.plan, [gone, target()]);
        const down = byName(results, formatTarget(gone));
        assert.deepStrictEqual(statuses(down), ["fail", "skip", "skip"], show(results));
        assert.ok(down["server-config"].detail.startsWith(`${formatTarget(gone)} is not reachable over SSH (`), down["server-config"].detail);
        assert.deepStrictEqual(statuses(byName(results)), ["pass", "pass", "pass"], show(results));
    });

    it("8. inspect through the doctor changes nothing on the server: tree, modes and mtimes equal, no restart, no lock", async () => {
        freshServer();
        const a = await component();
        apply(a);
        // A broken server too (edited drop-in, pending config.yaml), so inspect has something to report.
        fs.appendFileSync(`${configFile}.d/oidc-dev.yaml`, "# a hand edit\n");
        fs.appendFileSync(configFile, "node-label:\n  - team=web\n");
        editedAfterStart(configFile);
        const units = path.dirname(standIns.unitFile);
        const before = snapshot(root, units);
        const restarts = standIns.state().restarts;
        const journal = standIns.state().journal.length;
        const results = await doctor(a.plan);
        assert.deepStrictEqual(statuses(byName(results)), ["fail", "pass", "fail"], show(results));
        assert.deepStrictEqual(snapshot(root, units), before, "inspect changed nothing");
        assert.strictEqual(standIns.state().restarts, restarts, "no restart");
        assert.strictEqual(standIns.state().journal.length, journal, "nothing logged by a restart");
    });
});
