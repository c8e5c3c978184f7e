// K3sOidcApiServer's restart on OpenRC, against a REAL OpenRC over a real OpenSSH server on
// 127.0.0.1 (the fixture, openRcSuite, calls SshServer.start() in its before hook; see
// tests/ssh/openrc-suite.ts): the runbook restarts K3s alone (rc-service stop, then start; never
// rc-service restart, which starts every service that was started before it and is stopped by
// then), and inspect counts the supervise-daemon processes of the service for the doctor.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { judgeServerArgs, parseInspect } from "../cli/inspect";
import { runCommand } from "../components/k3s/script";
import { openRcSuite } from "./ssh/openrc-suite";
import { supervisorsOf } from "./ssh/openrc";

describe("K3sOidcApiServer on OpenRC: the restart and its supervisors (a real openrc-run and supervise-daemon, over a real SSH server)", function () {
    this.timeout(30000);
    const t = openRcSuite();

    it("our restart starts no other service: a service stopped while K3s restarts stays stopped (rc-service restart would start it: openrc-run's start_services)", async () => {
        // Another service, started; someone stops it while our restart runs (here: K3s's stop_pre).
        const other = `hsso-other-${process.pid}`;
        const otherScript = `/etc/init.d/${other}`;
        fs.writeFileSync(otherScript, "#!/sbin/openrc-run\nstart() { return 0; }\nstop() { return 0; }\n", { mode: 0o755 });
        const rc = (verb: string) => spawnSync("rc-service", [other, verb], { encoding: "utf8" }).status;
        try {
            const server = await t.freshServer({ stopPre: `/usr/sbin/rc-service ${other} stop >/dev/null 2>&1` });
            assert.strictEqual(rc("start"), 0);
            assert.strictEqual(rc("status"), 0, "started");
            t.ok(t.run(await t.commandsFor()));
            assert.strictEqual(rc("status"), 3, "the other service stays stopped");
            assert.deepStrictEqual(server.rcCalls().filter((l) => /( stop| start| restart)$/.test(l)), [`${server.service} stop`, `${server.service} start`]);
            assert.strictEqual(server.restarts(), 1);
            await server.waitReady(5000);
            assert.strictEqual(supervisorsOf(server.service).supervisors.length, 1, "one supervise-daemon");
        } finally {
            rc("stop");
            rc("zap");
            fs.rmSync(otherScript, { force: true });
        }
    });

    it("inspect counts the supervise-daemon processes of the service; with two (K3s started twice), the doctor's server-args fails with the fix", async () => {
        const server = await t.freshServer();
        const cmds = await t.commandsFor();
        t.ok(t.run(cmds));
        const one = t.ssh.exec(runCommand("inspect", { sudo: false }), "root", cmds.stdin);
        assert.strictEqual(parseInspect(one.stdout).values["service.supervisors"], "1");
        assert.strictEqual(judgeServerArgs(parseInspect(one.stdout), { target: "root@k3s-1:22", plan: cmds.plan }).status, "pass");
        // A second supervisor of the same service, as a second start of it runs one.
        const second = spawnSync("/sbin/supervise-daemon", [server.service, "--start", "--pidfile", path.join(path.dirname(server.pidFile), "second.pid"), "--respawn-max", "0", server.command, "--", "server"], {
            env: { ...process.env, RC_SVCNAME: server.service }, encoding: "utf8",
        });
        assert.strictEqual(second.status, 0, second.stderr);
        // Two supervisors (a supervisor's child between fork and exec shows its args too: it does not count).
        const supervisors = () => {
            const { supervisors: all, children } = supervisorsOf(server.service);
            return all.filter((p) => !children.includes(p)).length;
        };
        const until = Date.now() + 5000;
        while (supervisors() !== 2 && Date.now() < until) {
            await new Promise((r) => setTimeout(r, 50));
        }
        assert.strictEqual(supervisors(), 2, spawnSync("ps", ["-eo", "pid,ppid,args"], { encoding: "utf8" }).stdout.split("\n").filter((l) => l.includes(server.service)).join("\n"));
        const two = parseInspect(t.ssh.exec(runCommand("inspect", { sudo: false }), "root", cmds.stdin).stdout);
        assert.strictEqual(two.values["service.supervisors"], "2");
        // The same count from BusyBox's ps (Alpine's).
        const ps = path.join(t.ssh.binDir, "ps");
        fs.symlinkSync("/bin/busybox", ps);
        try {
            assert.strictEqual(parseInspect(t.ssh.exec(runCommand("inspect", { sudo: false }), "root", cmds.stdin).stdout).values["service.supervisors"], "2");
        } finally {
            fs.rmSync(ps, { force: true });
        }
        const judged = judgeServerArgs(two, { target: "root@k3s-1:22", plan: cmds.plan });
        assert.strictEqual(judged.status, "fail");
        assert.match(judged.detail, new RegExp(`^2 supervise-daemon processes run for ${server.service}: K3s was started more than once`));
        assert.strictEqual(judged.fix, `Stop the service (rc-service ${server.service} stop), end the supervise-daemon processes still running for it (ps -eo pid,args | grep "supervise-daemon ${server.service} ", then kill <pid> of each), then start it (rc-service ${server.service} start).`);
        // A change that needs a restart is refused before anything is written.
        const before = fs.readFileSync(t.dropIn);
        const refused = t.failed(t.run(await t.commandsFor({ clientId: "headlamp-2" }), "update"));
        assert.ok(refused.stderr.includes(`ERROR: refusing to change anything: 2 supervise-daemon processes run for ${server.service} (it was started more than once;`), refused.stderr);
        assert.ok(fs.readFileSync(t.dropIn).equals(before), "nothing written");
        assert.strictEqual(server.restarts(), 1, "no restart");
    });
});
