// K3sOidcApiServer's rollbacks on OpenRC, against a REAL OpenRC over a real OpenSSH server on
// 127.0.0.1 (the fixture, openRcSuite, calls SshServer.start() in its before hook; see
// tests/ssh/openrc-suite.ts): a crash-looping K3s, and the log-file read-back that counts only
// what K3s wrote after our restart.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { openRcSuite } from "./ssh/openrc-suite";
import { PRIVATE_CA_PEM, SECOND_CA_PEM } from "./fixtures/private-ca";

describe("K3sOidcApiServer on OpenRC: rollbacks (a real openrc-run and supervise-daemon, over a real SSH server)", function () {
    this.timeout(30000);
    const t = openRcSuite();

    it("rollback: a change that crash-loops K3s (supervise-daemon respawning it) puts the previous files back and the server is ready again", async () => {
        const server = await t.freshServer();
        t.ok(t.run(await t.commandsFor()));
        const before = fs.readFileSync(t.dropIn);
        // The scenario: supervise-daemon respawns the crash-looping K3s before the 4 s wait ends.
        // The stand-in's /readyz answers only once K3s started twice more (the bad start and a
        // respawn), so a starved machine cannot use up the wait in the restart alone.
        const hold = path.join(t.standIns.stateDir, "readyz-hold-starts");
        fs.writeFileSync(hold, String(server.starts() + 2));
        const r = t.failed(t.run(await t.commandsFor({ clientId: "fail-readiness", readyTimeoutSeconds: 4 }), "update"));
        fs.rmSync(hold);
        assert.match(r.stderr, /new OIDC settings rolled back: the API server did not become ready within 4s\. The previous files were restored byte for byte and hsso-k3s-\d+-\d+ is ready again\./);
        assert.match(r.stderr, new RegExp(`Last API server lines of ${server.logFile.replace(/[.]/g, "\\.")}:\\n[\\s\\S]*level=fatal msg="invalid argument: fail-readiness \\(test switch\\)"`));
        assert.ok(fs.readFileSync(t.dropIn).equals(before), "the previous drop-in, byte for byte");
        await server.waitReady(5000); // ready again
        assert.ok(t.standIns.state().apiserverArgs?.includes("oidc-client-id=headlamp"), "running the previous args");
        assert.strictEqual(server.restarts(), 3, "apply, the bad change, the rollback");
        assert.ok(server.starts() >= 5, `supervise-daemon respawned the crash-looping K3s; starts (epoch ms, pid):\n${server.startsLog()}`);
    });

    it("log-file read-back: a 'Running kube-apiserver' line from before our restart does not count", async () => {
        // A CA change keeps the args (the same --oidc-ca-file path), so the older start's line shows
        // exactly the expected args; the new start does not log where the read-back looks.
        const server = await t.freshServer();
        t.ok(t.run(await t.commandsFor({ issuerCaPem: PRIVATE_CA_PEM })));
        assert.match(server.log(), /Running kube-apiserver .*--oidc-ca-file=/);
        const ca = path.join(path.dirname(t.configFile), "oidc-dev-oidc-ca.pem");
        const caBefore = fs.readFileSync(ca);
        fs.writeFileSync(path.join(t.standIns.stateDir, "openrc.json"), JSON.stringify({ commandLineLogged: false }));
        const r = t.failed(t.run(await t.commandsFor({ issuerCaPem: SECOND_CA_PEM }), "update"));
        assert.match(r.stderr, /rolled back: the API server is ready but does not run them \(cannot read back the running kube-apiserver's args: no 'Running kube-apiserver' line in .*\.log since the restart/);
        assert.ok(fs.readFileSync(ca).equals(caBefore), "the previous CA file is back");
        await server.waitReady(5000);
    });
});
