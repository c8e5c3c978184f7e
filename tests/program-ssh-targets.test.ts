// SSH targets and host keys from the stack config, and URLs with bad percent escapes: the forms
// real tools write (ssh-keyscan against a real sshd on 127.0.0.1) are matched to their server,
// and what real parsers refuse (Go's net/url behind kube-apiserver, an IPv6 address check) is
// refused up front, naming the key.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { validateHeadlampArgs } from "../components/headlamp/settings";
import { validateK3sArgs } from "../components/k3s/settings";
import { Problems, checkHttpsBaseUrl, checkHttpsUrl } from "../components/validation";
import { hostKeyFor, parseHostKeys, parseServer, readSettings } from "../program/config";
import { MockHarness, errorOf } from "./harness";
import { SECRET_KEYS, TEST_SECRETS } from "./program-run";
import { SshServer } from "./ssh/sshd";
import { stackConfig, withoutAuthentikEnv } from "./stack-config";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey12";

async function settingsWith(extra: Record<string, unknown>) {
    await MockHarness.install({ config: stackConfig("Pulumi.dev.yaml", { ...TEST_SECRETS, ...extra }), secretKeys: SECRET_KEYS, stack: "dev" });
    return readSettings();
}

describe("SSH targets and host keys (program config)", () => {
    withoutAuthentikEnv();

    describe("IPv6 servers", () => {
        it("refuses bracketed hosts that are not IPv6 addresses, naming the entry", () => {
            for (const bad of ["root@[:::::]", "root@[::1::2]", "root@[1.2.3.4]", "root@[fd00::1:2:3:4:5:6:7:8]:22"]) {
                const problems = new Problems();
                assert.strictEqual(parseServer(problems, "servers[0]", bad), undefined, bad);
                assert.match(problems.format("x"), /servers\[0\]: .* is not an IPv6 address; write one in brackets/, bad);
            }
        });

        it("accepts real IPv6 addresses, with and without a port", () => {
            const problems = new Problems();
            assert.deepStrictEqual(parseServer(problems, "s", "admin@[fd00::13]"), { user: "admin", host: "fd00::13", port: 22 });
            assert.deepStrictEqual(parseServer(problems, "s", "[::1]:2222"), { user: "root", host: "::1", port: 2222 });
            assert.deepStrictEqual(parseServer(problems, "s", "root@[::ffff:10.0.0.1]"), { user: "root", host: "::ffff:10.0.0.1", port: 22 });
            assert.ok(problems.ok, problems.format("x"));
        });

        it("names the servers entry in the stack's error", async () => {
            const err = await errorOf(() => settingsWith({ servers: ["root@[::1::2]"] }));
            assert.match(err.message, /headlamp-sso:servers\[0\]: "root@\[::1::2\]": "::1::2" is not an IPv6 address/);
        });
    });

    describe("host keys in the [host]:port form", () => {
        it("matches a [host]:port line to the server on that port, and a bare line to the host's other ports", () => {
            const problems = new Problems();
            const lines = parseHostKeys(problems, "k", [`[k3s-1.lan]:2222 ${KEY}`, "k3s-1.lan ssh-ed25519 AAAABare", `[fd00::13]:2200 ${KEY}`]);
            assert.ok(problems.ok, problems.format("x"));
            assert.strictEqual(hostKeyFor(lines, "k3s-1.lan", 2222), KEY);
            assert.strictEqual(hostKeyFor(lines, "k3s-1.lan", 22), "ssh-ed25519 AAAABare");
            assert.strictEqual(hostKeyFor(lines, "fd00::13", 2200), KEY);
            assert.strictEqual(hostKeyFor(lines, "fd00::13", 22), undefined);
        });

        it("refuses a bracketed host without a port or with a bad one", () => {
            const problems = new Problems();
            parseHostKeys(problems, "k", [`[k3s-1.lan] ${KEY}`, `[k3s-1.lan]:0 ${KEY}`]);
            assert.deepStrictEqual(problems.list.map((p) => p.field), ["k[0]", "k[1]"]);
            assert.match(problems.list[0].message, /is not "host" or "\[host\]:port"/);
            assert.match(problems.list[1].message, /has port 0/);
        });

        it("says a [host]:port line matches no server when the port differs", async () => {
            const err = await errorOf(() => settingsWith({ servers: ["root@k3s-1.lan"], sshHostKeys: [`[k3s-1.lan]:2222 ${KEY}`] }));
            assert.match(err.message, /headlamp-sso:sshHostKeys: has a key for "\[k3s-1\.lan\]:2222", which is not in servers/);
        });

        describe("with a real sshd on a port other than 22", function () {
            this.timeout(30000);
            let ssh: SshServer | undefined;
            before(async function () {
                if (!SshServer.available()) {
                    this.skip();
                }
                ssh = await SshServer.start();
            });
            after(async () => {
                await ssh?.stop();
            });

            it("takes what `ssh-keyscan -p <port>` prints and gives the server exactly its host key", async () => {
                const scan = spawnSync("ssh-keyscan", ["-p", String(ssh!.port), "-t", "ed25519", "127.0.0.1"], { encoding: "utf8", timeout: 15000 });
                const lines = scan.stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
                assert.strictEqual(lines.length, 1, `ssh-keyscan printed ${scan.stdout}${scan.stderr}`);
                assert.ok(lines[0].startsWith(`[127.0.0.1]:${ssh!.port} `), lines[0]);
                const s = await settingsWith({ servers: [`root@127.0.0.1:${ssh!.port}`], sshHostKeys: lines });
                assert.deepStrictEqual(s.apiServer.servers, [{ user: "root", host: "127.0.0.1", port: ssh!.port, hostKey: ssh!.hostKey }]);
            });
        });
    });
});

describe("URLs with a bad percent escape (Go's net/url refuses them: \"invalid URL escape\")", () => {
    const BAD = ["https://a/x%zz/", "https://a/x%2/", "https://a/x%/"];

    it("are refused wherever an https URL is checked, with the bad escape and the fix", () => {
        for (const url of BAD) {
            const problems = new Problems();
            assert.strictEqual(checkHttpsUrl(problems, "issuerUrl", url, "https://auth.example.com/application/o/headlamp/"), undefined);
            assert.deepStrictEqual(problems.list.map((p) => p.field), ["issuerUrl"], url);
            assert.match(problems.list[0].message, /has a bad percent escape "%.{0,2}": .*"invalid URL escape".*"%25"/);
        }
        const base = new Problems();
        checkHttpsBaseUrl(base, "authentikUrl", "https://auth%zz.example.com", "https://auth.example.com");
        assert.deepStrictEqual(base.list.map((p) => p.field), ["authentikUrl"]);
    });

    it("keep valid escapes", () => {
        const problems = new Problems();
        assert.ok(checkHttpsUrl(problems, "issuerUrl", "https://a/x%2F%25/", "x"));
        assert.ok(problems.ok);
    });

    it("stop the API server's and Headlamp's issuer before anything is created", () => {
        const k3s = validateK3sArgs("oidc", { servers: [{ host: "k3s-1.lan", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----" }], issuerUrl: "https://a/x%zz/", clientId: "c" });
        assert.deepStrictEqual(k3s.list.map((p) => p.field), ["issuerUrl"]);
        const headlamp = validateHeadlampArgs({ host: "h.example.com", oidc: { clientId: "c", clientSecret: "s", issuerUrl: "https://a/x%zz/" } });
        assert.deepStrictEqual(headlamp.list.map((p) => p.field), ["oidc.issuerUrl"]);
    });

    it("name the config key for apiServerUrl", async () => {
        const err = await errorOf(() => settingsWith({ apiServerUrl: "https://k3s-1%zz:6443" }));
        assert.match(err.message, /headlamp-sso:apiServerUrl: "https:\/\/k3s-1%zz:6443" has a bad percent escape "%zz"/);
    });
});
