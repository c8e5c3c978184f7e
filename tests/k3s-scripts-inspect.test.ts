// More of the K3s script tests over a real SSH server (see tests/k3s-scripts.test.ts and the fixture,
// tests/ssh/k3s-fixture.ts); a file of their own so that mocha runs them beside the others.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { OIDC_ARGS, USER_CONFIG, c, commandsFor, editedAfterStart, freshServer, inspect, ok, read, run, snapshot, standIns, useK3sServer } from "./ssh/k3s-fixture";

describe("K3sOidcApiServer scripts over a real SSH server: the read-only inspect action", function () {
    this.timeout(60000);
    useK3sServer();

    // --- The read-only inspect action (the doctor's view of a server) ---

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
