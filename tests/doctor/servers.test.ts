// The doctor's server checks (issue 20 part 1, doctor side): inspect outputs written by
// /work/wt/INSPECT-CONTRACT.md (key=value lines, list keys repeated) parsed and mapped to
// server-config, server-args and server-pending, each failure naming the file or arg and the fix;
// the SSH transport against a real OpenSSH server on 127.0.0.1 (tests/ssh/sshd.ts): stdin in,
// stdout out, host keys pinned (unknown and changed keys refused, never asked), a refused port named.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { expectedAuthArgs, pathsFor } from "../../components/k3s/render";
import { resolvePlan } from "../../components/k3s/settings";
import { parseArgs } from "../../cli/args";
import { DoctorInputs } from "../../cli/context";
import { checksFor, inputsFrom, runChecks } from "../../cli/doctor";
import { InspectReport, judgeServerArgs, judgeServerConfig, judgeServerPending, parseInspect } from "../../cli/inspect";
import { formatJson } from "../../cli/report";
import { judgeInspectRun, serverChecks } from "../../cli/servers";
import { explainSshFailure, formatTarget, parseSshTarget, runSsh, sshArgs } from "../../cli/ssh";
import { pickOutputs } from "../../cli/stack";
import { SshServer, freePort } from "../ssh/sshd";

const OWNER = "urn:pulumi:dev::headlamp-sso::headlamp-sso:index:K3sOidcApiServer::oidc-dev";
const plan = resolvePlan({ name: "oidc-dev", owner: OWNER, issuerUrl: "https://auth.example.com/application/o/headlamp/", clientId: "headlamp" });
const ctx = { target: "root@10.0.0.11:22", plan };
const ARGS = expectedAuthArgs(plan).join(" ");
const STARTED = 1764600000;

/** A healthy server's inspect output, as the contract writes it (with a key this doctor does not know). */
function healthy(over: Record<string, string> = {}, extra: string[] = []): string {
    const values: Record<string, string> = {
        "inspect": "1",
        "service.manager": "systemd",
        "service.name": "k3s",
        "service.state": "running",
        "service.started": String(STARTED),
        "config.file": "/etc/rancher/k3s/config.yaml",
        "config.source": "default",
        "dropin.path": pathsFor(plan).dropIn,
        "dropin.state": "ours",
        "dropin.owner": OWNER,
        "authcfg.state": "unused",
        "running.state": "ours",
        "running.args": ARGS,
        "expected.args": ARGS,
        "api.ready": "yes",
        "some.future-key": "ignored",
        ...over,
    };
    return `${Object.entries(values).map(([k, v]) => `${k}=${v}`).join("\n")}\n${extra.join("\n")}${extra.length ? "\n" : ""}`;
}

describe("doctor: the K3s server checks from inspect's key=value report", function () {
    it("parses the contract's lines: single keys, repeated pending and conflict lines, empty values, unknown keys ignored", () => {
        const r = parseInspect(healthy({ "service.started": "" }, [
            `pending=${STARTED + 60} /etc/rancher/k3s/config.yaml`,
            `pending=${STARTED + 90} /etc/systemd/system/k3s.service.d/override.conf`,
            "conflict=/etc/rancher/k3s/config.yaml sets kube-apiserver-arg oidc-issuer-url=https://other.example.com/",
            "a line without the separator",
        ]));
        assert.strictEqual(r.values["dropin.state"], "ours");
        assert.strictEqual(r.values["service.started"], "");
        assert.strictEqual(r.values["running.args"], ARGS, "a value runs to the end of the line, = and spaces included");
        assert.deepStrictEqual(r.pending, [
            { mtime: STARTED + 60, path: "/etc/rancher/k3s/config.yaml" },
            { mtime: STARTED + 90, path: "/etc/systemd/system/k3s.service.d/override.conf" },
        ]);
        assert.deepStrictEqual(r.conflicts, ["/etc/rancher/k3s/config.yaml sets kube-apiserver-arg oidc-issuer-url=https://other.example.com/"]);
        assert.throws(() => parseInspect("headlamp-sso: unknown action inspect\n"), /no inspect=1 line \(its first line: "headlamp-sso: unknown action inspect"\)/);
        assert.throws(() => parseInspect(""), /nothing on stdout/);
    });

    const report = (over: Record<string, string> = {}, extra: string[] = []): InspectReport => parseInspect(healthy(over, extra));

    it("server-config: ours passes; missing, edited, foreign and another stack's drop-in each fail naming the file and the fix", () => {
        const ok = judgeServerConfig(report(), ctx);
        assert.strictEqual(ok.status, "pass", ok.detail);
        assert.ok(ok.detail.includes(pathsFor(plan).dropIn));
        const missing = judgeServerConfig(report({ "dropin.state": "missing", "dropin.owner": "" }), ctx);
        assert.strictEqual(missing.status, "fail");
        assert.ok(missing.detail.includes(`our drop-in ${pathsFor(plan).dropIn} is missing`), missing.detail);
        assert.match(missing.fix!, /pulumi up/);
        assert.match(missing.fix!, /root@10\.0\.0\.11:22/);
        const edited = judgeServerConfig(report({ "dropin.state": "edited" }), ctx);
        assert.match(edited.detail, /edited by hand/);
        assert.match(edited.fix!, /restart K3s yourself/);
        const foreign = judgeServerConfig(report({ "dropin.state": "foreign", "dropin.owner": "" }), ctx);
        assert.match(foreign.detail, /not ours \(no owner line\)/);
        assert.match(foreign.fix!, /Move .*oidc-dev\.yaml away/);
        const other = judgeServerConfig(report({ "dropin.state": "other-stack", "dropin.owner": "urn:pulumi:prod::x::headlamp-sso:index:K3sOidcApiServer::oidc-dev" }), ctx);
        assert.match(other.detail, /owner "urn:pulumi:prod::x::.*", this stack's is "urn:pulumi:dev::/);
        assert.match(other.fix!, /Two stacks manage this server/);
        const structured = resolvePlan({ name: "oidc-dev", owner: OWNER, issuerUrl: plan.issuerUrl, clientId: "headlamp", mode: "structured" });
        const authcfg = judgeServerConfig(report({ "authcfg.state": "edited" }), { ...ctx, plan: structured });
        assert.strictEqual(authcfg.status, "fail");
        assert.ok(authcfg.detail.includes(`our AuthenticationConfiguration ${pathsFor(structured).authConfig}`), authcfg.detail);
        assert.match(judgeServerConfig(report({ "dropin.state": "bogus" }), ctx).detail, /does not know/);
    });

    it("server-config: another file's OIDC setting (a conflict line) and K3S_CONFIG_FILE pointing elsewhere fail with the file, the arg and the fix", () => {
        const conflict = "/etc/rancher/k3s/config.yaml.d/50-old.yaml sets kube-apiserver-arg oidc-client-id=legacy, which the drop-in also sets";
        const r = judgeServerConfig(report({}, [`conflict=${conflict}`]), ctx);
        assert.strictEqual(r.status, "fail");
        assert.ok(r.detail.includes(conflict), r.detail);
        assert.match(r.fix!, /Remove the other OIDC setting/);
        const elsewhere = judgeServerConfig(report({ "config.file": "/opt/k3s/config.yaml", "config.source": "K3S_CONFIG_FILE /etc/systemd/system/k3s.service.env", "dropin.path": "/opt/k3s/config.yaml.d/oidc-dev.yaml", "dropin.state": "missing" }), ctx);
        assert.strictEqual(elsewhere.status, "fail");
        assert.match(elsewhere.detail, /K3s reads \/opt\/k3s\/config\.yaml \(K3S_CONFIG_FILE \/etc\/systemd\/system\/k3s\.service\.env\), not the stack's configFile \/etc\/rancher\/k3s\/config\.yaml: our files belong beside it\. our drop-in \/opt\/k3s\/config\.yaml\.d\/oidc-dev\.yaml is missing/);
        assert.match(elsewhere.fix!, /^Run pulumi up /);
        // The runbook follows K3S_CONFIG_FILE (apply writes beside the file K3s reads): our drop-in there passes.
        const followed = judgeServerConfig(report({ "config.file": "/opt/k3s/config.yaml", "config.source": "K3S_CONFIG_FILE /etc/systemd/system/k3s.service.env", "dropin.path": "/opt/k3s/config.yaml.d/oidc-dev.yaml" }), ctx);
        assert.strictEqual(followed.status, "pass", followed.detail);
        assert.match(followed.detail, /K3s reads \/opt\/k3s\/config\.yaml, K3S_CONFIG_FILE/);
    });

    it("apiServerInspect.dropInPaths: each server's entry (where its apply put the drop-in) reaches its server-config, which fails when K3s now reads another file", () => {
        const servers = ["root@10.0.0.1:22", "admin@10.0.0.2"];
        const paths = ["/etc/rancher/k3s/config.yaml.d/oidc-dev.yaml", "/opt/k3s/config.yaml.d/oidc-dev.yaml"];
        const outputs = pickOutputs({ apiServerInspect: { plan, servers, dropInPaths: paths } });
        assert.deepStrictEqual(outputs.apiServerInspect?.dropInPaths, paths);
        assert.strictEqual(pickOutputs({ apiServerInspect: { plan, servers, dropInPaths: [paths[0]] } }).apiServerInspect?.dropInPaths, undefined, "not one per server: not used");
        const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: os.tmpdir(), readStdin: () => "" };
        assert.deepStrictEqual(inputsFrom(parseArgs([]), outputs, io).servers?.appliedDropIns, { "root@10.0.0.1:22": paths[0], "admin@10.0.0.2:22": paths[1] });
        const moved = { "config.file": "/opt/k3s/config.yaml", "config.source": "K3S_CONFIG_FILE /etc/systemd/system/k3s.service.env", "dropin.path": "/opt/k3s/config.yaml.d/oidc-dev.yaml" };
        assert.strictEqual(judgeServerConfig(report(moved), { ...ctx, appliedDropIn: paths[1] }).status, "pass", "where apply put it");
        const stale = judgeServerConfig(report({ ...moved, "dropin.state": "missing" }), { ...ctx, appliedDropIn: paths[0] });
        assert.strictEqual(stale.status, "fail");
        assert.match(stale.detail, /pulumi up put our drop-in at \/etc\/rancher\/k3s\/config\.yaml\.d\/oidc-dev\.yaml \(the stack's dropInPaths\), but K3s now reads \/opt\/k3s\/config\.yaml \(K3S_CONFIG_FILE [^)]*\), whose drop-ins are in \/opt\/k3s\/config\.yaml\.d: the file pulumi up wrote is not read\./);
        assert.match(stale.fix!, /^Move K3s's config back \(undo the --config \/ K3S_CONFIG_FILE change\), or remove \/etc\/rancher\/k3s\/config\.yaml\.d\/oidc-dev\.yaml and run pulumi up/);
    });

    it("server-args: exactly ours passes; other args name the missing and foreign ones and the restart; stopped and unreadable are said", () => {
        assert.strictEqual(judgeServerArgs(report(), ctx).status, "pass");
        const other = ARGS.replace("--oidc-client-id=headlamp", "--oidc-client-id=legacy");
        const differ = judgeServerArgs(report({ "running.state": "differ", "running.args": other }), ctx);
        assert.strictEqual(differ.status, "fail");
        assert.match(differ.detail, /missing --oidc-client-id=headlamp; not the stack's --oidc-client-id=legacy/);
        assert.match(differ.fix!, /restart K3s yourself \(systemctl restart k3s\)/);
        // --anonymous-auth is not compared as an OIDC arg (the runbook's verify_in_force): named only when it is the difference.
        const withAnon = judgeServerArgs(report({ "running.state": "differ", "running.args": `${other} --anonymous-auth=false` }), ctx);
        assert.doesNotMatch(withAnon.detail, /anonymous/);
        const anonOnly = judgeServerArgs(report({ "running.state": "differ", "running.args": `${ARGS} --anonymous-auth=false --anonymous-auth=true` }), ctx);
        assert.strictEqual(anonOnly.status, "fail");
        assert.match(anonOnly.detail, /has the stack's OIDC args but --anonymous-auth=true, so anonymous requests are allowed/);
        const openrc = judgeServerArgs(report({ "running.state": "differ", "running.args": "", "service.manager": "openrc" }), ctx);
        assert.match(openrc.fix!, /rc-service k3s restart/);
        assert.match(judgeServerArgs(report({ "service.state": "stopped", "running.state": "stopped", "service.started": "" }), ctx).detail, /k3s is not running/);
        assert.match(judgeServerArgs(report({ "running.state": "unreadable" }), ctx).detail, /could not be read/);
        assert.match(judgeServerArgs(report({ "api.ready": "no" }), ctx).detail, /not ready/);
        // Where to read why: the journal on systemd, the log file inspect names on OpenRC.
        assert.match(judgeServerArgs(report({ "running.state": "unreadable" }), ctx).fix!, /journalctl -u k3s/);
        const openrcStopped = judgeServerArgs(report({ "service.state": "stopped", "running.state": "stopped", "service.manager": "openrc", "service.log": "/var/log/k3s.log" }), ctx);
        assert.match(openrcStopped.fix!, /^Start it \(rc-service k3s start\); its log says why it stopped \(its log file, \/var\/log\/k3s\.log\)/);
        for (const state of [{ "running.state": "unreadable" }, { "api.ready": "no" }] as Record<string, string>[]) {
            const o = judgeServerArgs(report({ ...state, "service.manager": "openrc", "service.log": "/var/log/k3s.log" }), ctx);
            assert.match(o.fix!, /its log file, \/var\/log\/k3s\.log/);
            assert.doesNotMatch(o.fix!, /journalctl/);
        }
    });

    it("server-pending: nothing changed passes; each changed file is named with its time and the restart-yourself fix", () => {
        assert.strictEqual(judgeServerPending(report(), ctx).status, "pass");
        const r = judgeServerPending(report({}, [`pending=${STARTED + 3600} /etc/rancher/k3s/config.yaml`]), ctx);
        assert.strictEqual(r.status, "fail");
        assert.ok(r.detail.includes(`/etc/rancher/k3s/config.yaml (${new Date((STARTED + 3600) * 1000).toISOString()})`), r.detail);
        assert.match(r.fix!, /restart K3s yourself after your edit \(systemctl restart k3s\)/);
    });

    it("one run's exit: ssh's 255 is a transport failure, the runbook's exit 1 shows its ERROR line, 0 is a report", () => {
        const t = parseSshTarget("admin@k3s-1.example.com:2222");
        const refused = judgeInspectRun(t, 255, "", "ssh: connect to host k3s-1.example.com port 2222: Connection refused\n", {});
        assert.ok("failure" in refused && /admin@k3s-1\.example\.com:2222 is not reachable over SSH \(ssh: connect to host .* Connection refused\)/.test(refused.failure.detail));
        const sudo = judgeInspectRun(t, 1, "", "headlamp-sso[oidc-dev]: ERROR: sudo -n failed for admin\n", {});
        assert.ok("failure" in sudo && sudo.failure.detail.includes("headlamp-sso[oidc-dev]: ERROR: sudo -n failed for admin"));
        const ok = judgeInspectRun(t, 0, healthy(), "", {});
        assert.ok("report" in ok && ok.report.values["running.state"] === "ours");
        const old = judgeInspectRun(t, 0, "applied\n", "", {});
        assert.ok("failure" in old && /not a report/.test(old.failure.detail));
    });

    it("targets and flags: user@host[:port] and [v6]:port parse, bad ones are usage errors naming the value; --ssh repeats", () => {
        assert.deepStrictEqual(parseSshTarget("root@10.0.0.11"), { user: "root", host: "10.0.0.11", port: 22 });
        assert.deepStrictEqual(parseSshTarget("ops@[fd00::1]:2222"), { user: "ops", host: "fd00::1", port: 2222 });
        assert.strictEqual(formatTarget(parseSshTarget("ops@[fd00::1]:2222")), "ops@[fd00::1]:2222");
        for (const bad of ["10.0.0.11", "root@", "root@-oProxyCommand=x", "root@h:0", "root@h:99999", "-l@h"]) {
            assert.throws(() => parseSshTarget(bad), Error, bad);
            assert.throws(() => parseArgs(["--ssh", bad]), new RegExp(`--ssh .*give e\\.g\\. --ssh root@10\\.0\\.0\\.11`), bad);
        }
        assert.deepStrictEqual(parseArgs(["--ssh", "root@a", "--ssh=root@b:2222", "--ssh-key", "k", "--known-hosts", "kh"]).ssh, ["root@a", "root@b:2222"]);
        const args = sshArgs(parseSshTarget("root@a:2222"), "cmd", { keyFile: "/k", knownHostsFile: "/kh" });
        for (const o of ["BatchMode=yes", "StrictHostKeyChecking=yes", "UserKnownHostsFile=/kh", "IdentitiesOnly=yes"]) {
            assert.ok(args.includes(o), o);
        }
        assert.deepStrictEqual(args.slice(-3), ["--", "a", "cmd"], "the host after --: never read as an option");
        assert.ok(!sshArgs(parseSshTarget("root@a"), "cmd", {}).some((a) => a.startsWith("UserKnownHostsFile")), "default: the user's own known_hosts");
    });

    it("the stack's apiServerInspect output gives the plan and the servers; one result per server, carried in --json", async () => {
        const outputs = pickOutputs({ apiServerInspect: { plan, servers: ["root@127.0.0.1:1", "admin@127.0.0.1:2"] } });
        assert.deepStrictEqual(outputs.apiServerInspect?.servers, ["root@127.0.0.1:1", "admin@127.0.0.1:2"]);
        assert.strictEqual(pickOutputs({ apiServerInspect: { plan: { name: 1 }, servers: [] } }).apiServerInspect, undefined, "a malformed output is not used");
        const none = serverChecks({} as DoctorInputs);
        assert.deepStrictEqual(none.map((c) => [c.name, c.missing({} as DoctorInputs)]), [
            ["server-config", "no K3s servers (give --ssh user@host[:port], or run where `pulumi stack output` has apiServerInspect)."],
            ["server-args", "no K3s servers (give --ssh user@host[:port], or run where `pulumi stack output` has apiServerInspect)."],
            ["server-pending", "no K3s servers (give --ssh user@host[:port], or run where `pulumi stack output` has apiServerInspect)."],
        ]);
        // Two unreachable servers (nothing listens on those ports): each is named in its own
        // server-config, its other two skip, and the checks after them still run.
        const [p1, p2] = [await freePort(), await freePort()];
        const inputs = {
            usernameClaim: "email", usernamePrefix: "", groupsClaim: "groups", groupsPrefix: "oidc:", kubectl: true, cluster: "main", now: () => 0,
            kubeconfig: { text: "apiVersion: v1\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\nusers:\n- name: u\n  user: {}\n", source: "k" },
            servers: { targets: [parseSshTarget(`root@127.0.0.1:${p1}`), parseSshTarget(`root@127.0.0.1:${p2}`)], plan, ssh: { knownHostsFile: "/dev/null", connectTimeoutSeconds: 5 } },
        } as DoctorInputs;
        const checks = checksFor(inputs);
        const names = checks.map((c) => c.name);
        assert.deepStrictEqual(names.slice(names.indexOf("token-claims"), names.indexOf("apiserver") + 1), ["token-claims", "server-config", "server-args", "server-pending", "server-config", "server-args", "server-pending", "apiserver"]);
        const results = await runChecks(checks, inputs);
        const server = results.filter((r) => r.server !== undefined);
        assert.deepStrictEqual(server.map((r) => [r.check, r.server, r.status]), [
            ["server-config", `root@127.0.0.1:${p1}`, "fail"], ["server-args", `root@127.0.0.1:${p1}`, "skip"], ["server-pending", `root@127.0.0.1:${p1}`, "skip"],
            ["server-config", `root@127.0.0.1:${p2}`, "fail"], ["server-args", `root@127.0.0.1:${p2}`, "skip"], ["server-pending", `root@127.0.0.1:${p2}`, "skip"],
        ]);
        assert.match(server[0].detail, new RegExp(`root@127\\.0\\.0\\.1:${p1} is not reachable over SSH \\(.*Connection refused`));
        assert.strictEqual(results.find((r) => r.check === "apiserver")!.status, "fail", "the API server check still ran (nothing listens on :1)");
        const json = JSON.parse(formatJson(results)) as { check: string; server?: string }[];
        assert.deepStrictEqual(json.filter((r) => r.server).map((r) => r.check), ["server-config", "server-args", "server-pending", "server-config", "server-args", "server-pending"]);
        // Without the plan the server checks skip with the reason.
        const noPlan = await runChecks(serverChecks({ ...inputs, servers: { ...inputs.servers!, plan: undefined } }), inputs);
        assert.ok(noPlan.every((r) => r.status === "skip" && /no plan the stack applied/.test(r.detail)));
    });
});

describe("doctor: the SSH transport against a real sshd on 127.0.0.1", function () {
    this.timeout(60_000);
    let sshd: SshServer;
    let dir: string;

    before(async function () {
        if (!SshServer.available()) {
            this.skip();
        }
        sshd = await SshServer.start();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-ssh-"));
    });
    after(async () => {
        await sshd?.stop();
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    const target = () => parseSshTarget(`root@127.0.0.1:${sshd.port}`);
    /** The client environment: no agent, no user known_hosts of this machine's. */
    const env = () => ({ PATH: process.env.PATH, HOME: dir });

    it("with the pinned host key and the key file: the command gets stdin, stdout comes back, exit codes pass through", async () => {
        const o = { keyFile: sshd.privateKeyPath, knownHostsFile: path.join(sshd.dir, "known_hosts"), env: env() };
        const r = await runSsh(target(), "cat; echo done >&2", "inspect=1\nservice.name=k3s\n", o);
        assert.deepStrictEqual([r.code, r.stdout, r.stderr], [0, "inspect=1\nservice.name=k3s\n", "done\n"]);
        const parsed = judgeInspectRun(target(), r.code, r.stdout, r.stderr, o);
        assert.ok("report" in parsed && parsed.report.values["service.name"] === "k3s");
        const failing = await runSsh(target(), "echo 'headlamp-sso[x]: ERROR: not root' >&2; exit 1", "", o);
        assert.strictEqual(failing.code, 1);
        const judged = judgeInspectRun(target(), failing.code, failing.stdout, failing.stderr, o);
        assert.ok("failure" in judged && judged.failure.detail.includes("headlamp-sso[x]: ERROR: not root"));
    });

    it("an unknown host key is refused without a prompt, and named with the ssh-keyscan fix", async () => {
        const empty = path.join(dir, "empty_known_hosts");
        fs.writeFileSync(empty, "");
        const o = { keyFile: sshd.privateKeyPath, knownHostsFile: empty, env: env() };
        const r = await runSsh(target(), "echo should-not-run", "", o);
        assert.strictEqual(r.code, 255);
        assert.strictEqual(r.stdout, "");
        const why = explainSshFailure(target(), r.stderr, o);
        assert.match(why.detail, /its host key is not in --known-hosts .*empty_known_hosts/);
        assert.match(why.fix, new RegExp(`ssh-keyscan -p ${sshd.port} 127\\.0\\.0\\.1`));
    });

    it("a changed host key (another key pinned for the server) is refused and named as such", async () => {
        const other = path.join(dir, "other_host");
        spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
        const changed = path.join(dir, "changed_known_hosts");
        fs.writeFileSync(changed, `[127.0.0.1]:${sshd.port} ${fs.readFileSync(`${other}.pub`, "utf8").split(" ").slice(0, 2).join(" ")}\n`);
        const o = { keyFile: sshd.privateKeyPath, knownHostsFile: changed, env: env() };
        const r = await runSsh(target(), "echo should-not-run", "", o);
        assert.strictEqual(r.code, 255);
        assert.strictEqual(r.stdout, "");
        assert.match(explainSshFailure(target(), r.stderr, o).detail, /its host key is not the one in --known-hosts/);
    });

    it("a key the server does not accept is a refused login, not a password prompt", async () => {
        const stranger = path.join(dir, "stranger");
        spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]);
        const o = { keyFile: stranger, knownHostsFile: path.join(sshd.dir, "known_hosts"), env: env() };
        const r = await runSsh(target(), "true", "", o);
        assert.strictEqual(r.code, 255);
        assert.match(explainSshFailure(target(), r.stderr, o).detail, /refused the login of root/);
    });

    it("a port nothing listens on is named as unreachable", async () => {
        const t = parseSshTarget(`root@127.0.0.1:${await freePort()}`);
        const o = { keyFile: sshd.privateKeyPath, knownHostsFile: path.join(sshd.dir, "known_hosts"), env: env() };
        const r = await runSsh(t, "true", "", o);
        assert.strictEqual(r.code, 255);
        assert.match(explainSshFailure(t, r.stderr, o).detail, /is not reachable over SSH \(.*Connection refused/);
    });
});
