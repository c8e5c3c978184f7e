// K3sOidcApiServer under Pulumi mocks: one remote.Command per server in a dependsOn chain, the
// connection (secret), the exact scripts, the rendered drop-in in flags and structured mode (both
// apiVersions), rke2 defaults, the outputs, and every validation error before anything is registered.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { quote } from "shell-quote";
import { K3sOidcApiServer, K3sOidcApiServerArgs } from "../components";
import { renderAuthConfig, renderDropIn } from "../components/k3s/render";
import { renderCommands, reportedDropInPath } from "../components/k3s/script";
import { resolvePlan } from "../components/k3s/settings";
import { MockHarness, allStrings, errorOf, fileWrittenBy as fileWritten, isSecretIn, valueOf } from "./harness";
import { PRIVATE_CA_PEM } from "./fixtures/private-ca";

const T = {
    component: "headlamp-sso:index:K3sOidcApiServer",
    command: "command:remote:Command",
};
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-very-secret-key\n-----END OPENSSH PRIVATE KEY-----\n";
const PASS = "key-passphrase-s3cret";
const ISSUER = "https://auth.example.com/application/o/headlamp/";
const OWNER = (name: string, stack = "test") => `urn:pulumi:${stack}::headlamp-sso::${T.component}::${name}`;
const CA = PRIVATE_CA_PEM;

const minimal = (): K3sOidcApiServerArgs => ({
    servers: [{ host: "k3s-1.lan", privateKey: KEY }],
    issuerUrl: ISSUER,
    clientId: "headlamp",
});

async function build(h: MockHarness, name: string, args: K3sOidcApiServerArgs, opts?: pulumi.ComponentResourceOptions) {
    const c = new K3sOidcApiServer(name, args, opts);
    const outputs = {
        dropIn: await valueOf(c.dropIn),
        dropInPath: await valueOf(c.dropInPath),
        authenticationConfig: await valueOf(c.authenticationConfig),
        files: await valueOf(c.files),
        appliedServers: await valueOf(c.appliedServers),
        issuerUrl: await valueOf(c.issuerUrl),
        clientId: await valueOf(c.clientId),
        reports: await valueOf(c.reports),
    };
    await h.settle();
    return { c, outputs };
}

describe("K3sOidcApiServer", () => {
    let h: MockHarness;
    beforeEach(async () => {
        h = await MockHarness.install();
    });
    afterEach(() => h.assertNoUnknownInvokes());

    it("creates one command per server, in order, each depending on the previous one", async () => {
        await build(h, "oidc", {
            ...minimal(),
            servers: [
                { host: "k3s-1.lan", privateKey: KEY },
                { host: "k3s-2.lan", privateKey: KEY },
                { host: "k3s-3.lan", privateKey: KEY, port: 2222 },
            ],
        });
        assert.deepStrictEqual(h.countByType(), { [T.component]: 1, [T.command]: 3 });
        const component = h.one(T.component);
        const cmds = h.ofType(T.command);
        assert.deepStrictEqual(cmds.map((c) => c.name), ["oidc-k3s-1.lan", "oidc-k3s-2.lan", "oidc-k3s-3.lan"]);
        assert.deepStrictEqual(cmds[0].dependsOn, []);
        assert.deepStrictEqual(cmds[1].dependsOn, [cmds[0].urn]);
        assert.deepStrictEqual(cmds[2].dependsOn, [cmds[1].urn]);
        for (const c of cmds) {
            assert.strictEqual(c.parent, component.urn);
            assert.strictEqual(c.deleteBeforeReplace, true, "a replacement runs the old delete before the new create");
        }
    });

    it("connects with the secret key and the given host key, port and user; no secret in any script", async () => {
        await build(h, "oidc", {
            ...minimal(),
            servers: [{ host: "10.0.0.5", port: 2200, user: "root", privateKey: KEY, privateKeyPassword: PASS, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake" }],
        });
        const cmd = h.one(T.command);
        assert.ok(isSecretIn(cmd.rawInputs, "connection"), "connection is secret");
        assert.ok(isSecretIn(cmd.rawInputs, "connection.privateKey"), "privateKey is secret");
        assert.ok(isSecretIn(cmd.rawInputs, "connection.privateKeyPassword"), "privateKeyPassword is secret");
        const conn = cmd.inputs.connection;
        assert.deepStrictEqual(
            { host: conn.host, port: conn.port, user: conn.user, privateKey: conn.privateKey, privateKeyPassword: conn.privateKeyPassword, hostKey: conn.hostKey },
            { host: "10.0.0.5", port: 2200, user: "root", privateKey: KEY, privateKeyPassword: PASS, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake" },
        );
        for (const field of ["create", "update", "delete", "triggers", "logging", "environment", "stdin"]) {
            for (const s of allStrings(cmd.inputs[field])) {
                assert.ok(!s.includes("very-secret-key") && !s.includes(PASS), `${field} carries no secret`);
            }
        }
        assert.strictEqual(cmd.inputs.logging, "stdoutAndStderr");
        assert.strictEqual(cmd.inputs.addPreviousOutputInEnv, false);
    });

    it("defaults port 22 and user root, and runs the scripts with sh -c (no sudo) for root", async () => {
        await build(h, "oidc", minimal());
        const cmd = h.one(T.command);
        assert.strictEqual(cmd.inputs.connection.port, 22);
        assert.strictEqual(cmd.inputs.connection.user, "root");
        // Short fixed commands; the script travels on stdin, so a failure message is not the script.
        assert.strictEqual(cmd.inputs.create, 'exec sh -c "$(cat)" headlamp-sso apply');
        assert.strictEqual(cmd.inputs.update, 'exec sh -c "$(cat)" headlamp-sso apply');
        assert.strictEqual(cmd.inputs.delete, 'exec sh -c "$(cat)" headlamp-sso delete');
        assert.match(cmd.inputs.stdin, /^# headlamp-sso K3sOidcApiServer "oidc" \(k3s, flags mode\)/);
    });

    it("passes exactly the rendered scripts: create = update = apply, delete = delete, owner = the component's URN", async () => {
        await build(h, "oidc-dev", { ...minimal(), readyTimeoutSeconds: 60 });
        const cmd = h.one(T.command);
        const plan = resolvePlan({ name: "oidc-dev", owner: OWNER("oidc-dev"), issuerUrl: ISSUER, clientId: "headlamp", readyTimeoutSeconds: 60 });
        const expected = renderCommands(plan, { sudo: false });
        assert.strictEqual(cmd.inputs.create, expected.create);
        assert.strictEqual(cmd.inputs.update, expected.create);
        assert.strictEqual(cmd.inputs.delete, expected.delete);
        assert.strictEqual(cmd.inputs.stdin, expected.stdin);
        assert.deepStrictEqual(cmd.inputs.triggers, ["/etc/rancher/k3s/config.yaml.d/oidc-dev.yaml"]);
        assert.ok(cmd.inputs.stdin.includes("\nready_timeout=60\n"));
        assert.ok(cmd.inputs.stdin.includes(`\nowner=${quote([OWNER("oidc-dev")])}\n`));
    });

    it("uses sudo -n for a non-root user (and when sudo is forced), with a clear message when sudo wants a password", async () => {
        await build(h, "oidc", { ...minimal(), servers: [{ host: "a.lan", user: "ubuntu", privateKey: KEY }, { host: "b.lan", privateKey: KEY }] });
        const [a, b] = h.ofType(T.command);
        assert.match(a.inputs.create, /^sudo -n sh -c : 2>\/dev\/null \|\| \{ echo "headlamp-sso: sudo -n sh failed for user \$\(id -un\): sudo wants a password/);
        assert.ok(a.inputs.create.endsWith('; exec sudo -n sh -c "$(cat)" headlamp-sso apply'));
        assert.ok(a.inputs.delete.endsWith('; exec sudo -n sh -c "$(cat)" headlamp-sso delete'));
        assert.match(b.inputs.create, /^exec sh -c "\$\(cat\)"/);
    });

    it("sudo: false keeps sh -c even for a non-root user; sudo: true forces sudo for root", async () => {
        await build(h, "a", { ...minimal(), servers: [{ host: "a.lan", user: "ubuntu", privateKey: KEY }], sudo: false });
        await build(h, "b", { ...minimal(), servers: [{ host: "b.lan", privateKey: KEY }], sudo: true });
        assert.match(h.one(T.command, "a-a.lan").inputs.create, /^exec sh -c /);
        assert.match(h.one(T.command, "b-b.lan").inputs.create, /^sudo -n sh -c :/);
    });

    it("dropInPath(s): where each server's run reported the drop-in (it follows --config / K3S_CONFIG_FILE), the plan's path without a report", async () => {
        // The remote.Command's stdout, as the runbook prints it on a server whose K3s reads /srv/k3s.yaml.
        const moved = await MockHarness.install({
            state: (type, name) => (type === T.command && name === "oidc-dev-k3s-2.lan"
                ? { stdout: "headlamp-sso[oidc-dev]: k3s reads /srv/k3s.yaml (K3S_CONFIG_FILE Environment= of k3s), not /etc/rancher/k3s/config.yaml: our drop-in goes into /srv/k3s.yaml.d\nheadlamp-sso[oidc-dev]: drop-in path: /srv/k3s.yaml.d/oidc-dev.yaml\nheadlamp-sso[oidc-dev]: applied: k3s\n" }
                : {}),
        });
        const c = new K3sOidcApiServer("oidc-dev", { ...minimal(), servers: [{ host: "k3s-1.lan", privateKey: KEY }, { host: "k3s-2.lan", privateKey: KEY }] });
        assert.deepStrictEqual(await valueOf(c.dropInPaths), ["/etc/rancher/k3s/config.yaml.d/oidc-dev.yaml", "/srv/k3s.yaml.d/oidc-dev.yaml"]);
        assert.strictEqual(await valueOf(c.dropInPath), "/etc/rancher/k3s/config.yaml.d/oidc-dev.yaml, /srv/k3s.yaml.d/oidc-dev.yaml");
        assert.deepStrictEqual(await valueOf(c.files), ["/etc/rancher/k3s/config.yaml.d/oidc-dev.yaml", "/srv/k3s.yaml.d/oidc-dev.yaml"]);
        await moved.settle();
        assert.strictEqual(reportedDropInPath("headlamp-sso[a]: drop-in path: /x.d/a.yaml\nheadlamp-sso[a]: drop-in path: /y.d/a.yaml\r\n"), "/y.d/a.yaml", "the last one");
        assert.strictEqual(reportedDropInPath("no such line\n"), undefined);
    });

    it("renders the flags drop-in: append-only kube-apiserver-arg+, plain-email usernames (prefix -), oidc: groups", async () => {
        const { outputs } = await build(h, "oidc-dev", minimal());
        assert.strictEqual(outputs.dropInPath, "/etc/rancher/k3s/config.yaml.d/oidc-dev.yaml");
        assert.strictEqual(outputs.dropIn, [
            '# Managed by headlamp-sso (K3sOidcApiServer "oidc-dev"): OIDC for kube-apiserver.',
            `# owner: ${OWNER("oidc-dev")}`,
            '# Do not edit: pulumi up rewrites this file and pulumi destroy removes it. The "+" keys append',
            "# to the kube-apiserver args of config.yaml instead of replacing them.",
            "kube-apiserver-arg+:",
            `  - "oidc-issuer-url=${ISSUER}"`,
            '  - "oidc-client-id=headlamp"',
            '  - "oidc-username-claim=email"',
            '  - "oidc-username-prefix=-"',
            '  - "oidc-groups-claim=groups"',
            '  - "oidc-groups-prefix=oidc:"',
            "",
        ].join("\n"));
        assert.strictEqual(outputs.authenticationConfig, undefined);
        assert.deepStrictEqual(outputs.files, ["/etc/rancher/k3s/config.yaml.d/oidc-dev.yaml"]);
        // The drop-in travels base64-encoded inside the script, byte for byte.
        assert.strictEqual(fileWritten(h.one(T.command).inputs.stdin, "dropin"), outputs.dropIn);
    });

    it("renders every flag: custom claims and prefixes, required claims (sorted) and the CA file", async () => {
        const { outputs } = await build(h, "oidc", {
            ...minimal(),
            usernameClaim: "preferred_username",
            usernamePrefix: "authentik:",
            groupsClaim: "roles",
            groupsPrefix: "authentik-role:",
            requiredClaims: { zone: "eu", hd: "example.com" },
            issuerCaPem: CA,
        });
        const args = outputs.dropIn.split("kube-apiserver-arg+:\n")[1];
        assert.strictEqual(args, [
            `  - "oidc-issuer-url=${ISSUER}"`,
            '  - "oidc-client-id=headlamp"',
            '  - "oidc-username-claim=preferred_username"',
            '  - "oidc-username-prefix=authentik:"',
            '  - "oidc-groups-claim=roles"',
            '  - "oidc-groups-prefix=authentik-role:"',
            '  - "oidc-required-claim=hd=example.com"',
            '  - "oidc-required-claim=zone=eu"',
            '  - "oidc-ca-file=/etc/rancher/k3s/oidc-oidc-ca.pem"',
            "",
        ].join("\n"));
        assert.deepStrictEqual(outputs.files, ["/etc/rancher/k3s/config.yaml.d/oidc.yaml", "/etc/rancher/k3s/oidc-oidc-ca.pem"]);
        assert.strictEqual(fileWritten(h.one(T.command).inputs.stdin, "ca_file"), [
            '# Managed by headlamp-sso (K3sOidcApiServer "oidc"): CA of the OIDC issuer; pulumi destroy removes it.',
            `# owner: ${OWNER("oidc")}`,
            CA,
        ].join("\n"), "the CA file: owner lines, then the PEM (pem.Decode skips text before BEGIN)");
    });

    it("renders structured mode v1beta1: the drop-in points at the AuthenticationConfiguration", async () => {
        const { outputs } = await build(h, "oidc", { ...minimal(), mode: "structured", issuerCaPem: CA, requiredClaims: { hd: "example.com" } });
        assert.ok(outputs.dropIn.endsWith('kube-apiserver-arg+:\n  - "authentication-config=/etc/rancher/k3s/oidc-authentication-config.yaml"\n  - "anonymous-auth=false"\n'));
        assert.ok(!outputs.dropIn.includes("oidc-issuer-url"));
        assert.strictEqual(outputs.authenticationConfig, [
            '# Managed by headlamp-sso (K3sOidcApiServer "oidc"): pulumi destroy removes it.',
            `# owner: ${OWNER("oidc")}`,
            'apiVersion: "apiserver.config.k8s.io/v1beta1"',
            'kind: "AuthenticationConfiguration"',
            "jwt:",
            "  - issuer:",
            `      url: "${ISSUER}"`,
            "      audiences:",
            '        - "headlamp"',
            "      certificateAuthority: |",
            ...CA.trimEnd().split("\n").map((line) => `        ${line}`),
            "    claimMappings:",
            "      username:",
            '        claim: "email"',
            '        prefix: ""',
            "      groups:",
            '        claim: "groups"',
            '        prefix: "oidc:"',
            "    claimValidationRules:",
            '      - claim: "hd"',
            '        requiredValue: "example.com"',
            "",
        ].join("\n"));
        assert.deepStrictEqual(outputs.files, ["/etc/rancher/k3s/config.yaml.d/oidc.yaml", "/etc/rancher/k3s/oidc-authentication-config.yaml"]);
        const create: string = h.one(T.command).inputs.stdin;
        assert.ok(create.includes("\nmode=structured\n") && create.includes("\nmin_minor=30\n"), "preflight needs 1.30 for v1beta1");
        assert.ok(create.includes('if [ "$mode" = structured ]; then check_version; fi') && create.includes('[ "$minor" -ge "$min_minor" ] || die'), "the runbook checks it in structured mode");
        assert.ok(create.includes("\noidc_flag_pattern='(^|[^A-Za-z0-9_-])(--)?oidc-[a-z-]+='\n") && create.includes('grep -qE "$oidc_flag_pattern"'), "any other oidc-* arg is refused");
    });

    it("renders structured mode v1 and requires Kubernetes 1.34 for it", async () => {
        const { outputs } = await build(h, "oidc", { ...minimal(), mode: "structured", apiVersion: "v1" });
        assert.match(outputs.authenticationConfig ?? "", /^apiVersion: "apiserver\.config\.k8s\.io\/v1"\nkind: "AuthenticationConfiguration"\n/m);
        const create: string = h.one(T.command).inputs.stdin;
        assert.ok(create.includes("\nmin_minor=34\n") && create.includes("\napi_version=v1\n"));
        const plan = resolvePlan({ name: "oidc", owner: OWNER("oidc"), issuerUrl: ISSUER, clientId: "headlamp", mode: "structured", apiVersion: "v1" });
        assert.strictEqual(fileWritten(create, "authcfg"), renderAuthConfig(plan), "one file for every version");
        assert.ok(!renderAuthConfig(plan).includes("anonymous"));
    });

    it("uses the rke2 defaults: config file, service, kubectl and extra mounts for the static pod", async () => {
        const { outputs } = await build(h, "oidc", { ...minimal(), distribution: "rke2", issuerCaPem: CA });
        assert.strictEqual(outputs.dropInPath, "/etc/rancher/rke2/config.yaml.d/oidc.yaml");
        assert.ok(outputs.dropIn.includes('  - "oidc-ca-file=/etc/rancher/rke2/oidc-oidc-ca.pem"\n'));
        assert.ok(outputs.dropIn.endsWith('kube-apiserver-extra-mount+:\n  - "/etc/rancher/rke2/oidc-oidc-ca.pem:/etc/rancher/rke2/oidc-oidc-ca.pem:ro"\n'));
        const create: string = h.one(T.command).inputs.stdin;
        assert.ok(create.includes("\nservice=rke2-server\n"));
        assert.ok(create.includes("\nconfig_file=/etc/rancher/rke2/config.yaml\n"));
        assert.ok(create.includes("\ndist_bin=rke2\n"));
        assert.ok(create.includes("\nkubectl='/var/lib/rancher/rke2/bin/kubectl --kubeconfig /etc/rancher/rke2/rke2.yaml'\n"));
        assert.ok(create.includes("bounded \"$quick\" $kubectl get --raw=/readyz"));
        assert.ok(create.includes("\nmanifest=/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml\n"), "RKE2's args are read back from the static pod manifest");
    });

    it("honours configFile and serviceName", async () => {
        const { outputs } = await build(h, "oidc", { ...minimal(), configFile: "/opt/k3s/conf.yaml", serviceName: "k3s-server" });
        assert.strictEqual(outputs.dropInPath, "/opt/k3s/conf.yaml.d/oidc.yaml");
        const create: string = h.one(T.command).inputs.stdin;
        assert.ok(create.includes("\nservice=k3s-server\n"));
        assert.deepStrictEqual(h.one(T.command).inputs.triggers, ["/opt/k3s/conf.yaml.d/oidc.yaml"]);
    });

    it("takes the issuer and client id as Outputs of other resources and reports them as applied", async () => {
        const { outputs } = await build(h, "oidc", {
            servers: [{ host: "k3s-1.lan", privateKey: pulumi.secret(KEY) }, { host: "k3s-2.lan", user: "admin", port: 2022, privateKey: pulumi.secret(KEY) }],
            issuerUrl: pulumi.output(ISSUER),
            clientId: pulumi.output("from-authentik"),
        });
        assert.strictEqual(outputs.issuerUrl, ISSUER);
        assert.strictEqual(outputs.clientId, "from-authentik");
        assert.deepStrictEqual(outputs.appliedServers, ["root@k3s-1.lan:22", "admin@k3s-2.lan:2022"]);
        assert.deepStrictEqual(outputs.reports, ["", ""]);
        assert.ok(outputs.dropIn.includes("oidc-client-id=from-authentik"));
    });

    it("is a dependency target: a resource depending on it waits for every command", async () => {
        const { c } = await build(h, "oidc", { ...minimal(), servers: [{ host: "a", privateKey: KEY }, { host: "b", privateKey: KEY }] });
        assert.ok(c instanceof pulumi.ComponentResource);
        const after = new remote.Command("after", { connection: { host: "z" }, create: "true" }, { dependsOn: [c] });
        await valueOf(after.urn);
        await h.settle();
        const [a, b] = [h.one(T.command, "oidc-a"), h.one(T.command, "oidc-b")];
        assert.deepStrictEqual(c.commands.length, 2);
        assert.deepStrictEqual([...h.one(T.command, "after").dependsOn].sort(), [a.urn, b.urn].sort());
    });

    describe("rejects bad input before registering anything", () => {
        async function rejects(args: unknown, name = "oidc"): Promise<string> {
            const err = await errorOf(() => new K3sOidcApiServer(name, args as K3sOidcApiServerArgs));
            await h.settle();
            assert.deepStrictEqual(h.resources, [], "nothing registered, not even the component");
            assert.ok(err instanceof pulumi.ResourceError, "a ResourceError");
            assert.ok(err.message.startsWith(`K3sOidcApiServer "${name}" has `), err.message);
            return err.message;
        }

        it("values the read-back could never confirm: \", \\, whitespace, control characters in every field, in one error", async () => {
            const m = await rejects({
                ...minimal(),
                clientId: 'head"lamp',
                usernameClaim: "em\\ail",
                groupsClaim: "grou\u007fps",
                usernamePrefix: "sso\t",
                groupsPrefix: 'oidc"',
                requiredClaims: { 'h"d': "example.com", org: "a\\b", team: "x y", tier: "a\u0001" },
            });
            for (const field of ["clientId", "usernameClaim", "groupsClaim", "usernamePrefix", "groupsPrefix", 'requiredClaims.h"d', "requiredClaims.org", "requiredClaims.team", "requiredClaims.tier"]) {
                assert.ok(m.includes(`\n  - ${field}: `), `${field} is named in:\n${m}`);
            }
            assert.match(m, /clientId: "head\\"lamp" must not contain '"', '\\' or control characters: K3s logs the kube-apiserver args escaped, so the change could never be verified/);
        });
        it("a non-https issuer", async () => {
            const m = await rejects({ ...minimal(), issuerUrl: "http://auth.example.com/application/o/headlamp/" });
            assert.match(m, /issuerUrl: "http:\/\/auth\.example\.com\/application\/o\/headlamp\/" must use https/);
        });
        it("an issuer with a query or a fragment", async () => {
            assert.match(await rejects({ ...minimal(), issuerUrl: `${ISSUER}?x=1` }), /issuerUrl: ".*\?x=1" must not have a query or fragment/);
            assert.match(await rejects({ ...minimal(), issuerUrl: `${ISSUER}#frag` }), /issuerUrl: ".*#frag" must not have a query or fragment/);
        });
        it("a missing or relative issuer", async () => {
            assert.match(await rejects({ ...minimal(), issuerUrl: undefined }), /issuerUrl: is required/);
            assert.match(await rejects({ ...minimal(), issuerUrl: "auth.example.com" }), /issuerUrl: "auth\.example\.com" is not an absolute URL/);
        });
        it("an empty client id", async () => {
            assert.match(await rejects({ ...minimal(), clientId: "" }), /clientId: must not be empty/);
            assert.match(await rejects({ ...minimal(), clientId: "  " }), /clientId: must not be empty/);
            assert.match(await rejects({ ...minimal(), clientId: undefined }), /clientId: is required/);
        });
        it("empty or missing servers", async () => {
            assert.match(await rejects({ ...minimal(), servers: [] }), /servers: must list at least one K3s server/);
            assert.match(await rejects({ ...minimal(), servers: undefined }), /servers: is required/);
        });
        it("a bad port, a missing host, a duplicate server, a bad user, key or host key", async () => {
            const m = await rejects({
                ...minimal(),
                servers: [
                    { host: "a.lan", port: 0, privateKey: KEY },
                    { host: "b.lan", port: 70000, privateKey: KEY },
                    { host: "c.lan", port: 22.5, privateKey: KEY },
                    { port: 22, privateKey: KEY },
                    { host: "d.lan", privateKey: KEY },
                    { host: "d.lan", port: 22, privateKey: KEY },
                    { host: "e.lan", user: "bad user", privateKey: "/home/me/.ssh/id_ed25519" },
                    { host: "f.lan", hostKey: "f.lan ssh-ed25519 AAAA" },
                ],
            });
            assert.match(m, /servers\[0\]\.port: 0 must be a whole number from 1 to 65535/);
            assert.match(m, /servers\[1\]\.port: 70000 must be a whole number from 1 to 65535/);
            assert.match(m, /servers\[2\]\.port: 22\.5 must be a whole number/);
            assert.match(m, /servers\[3\]\.host: is required/);
            assert.match(m, /servers\[5\]: "d\.lan:22" is also servers\[4\]/);
            assert.match(m, /servers\[6\]\.user: "bad user" is not a login name/);
            assert.match(m, /servers\[6\]\.privateKey: is not a PEM\/OpenSSH private key/);
            assert.ok(!m.includes("/home/me/.ssh/id_ed25519"), "the (wrong) key value is never echoed");
            assert.match(m, /servers\[7\]\.hostKey: "f\.lan ssh-ed25519 AAAA" is not "<type> <base64>"/);
            assert.match(m, /has 8 invalid input problems/);
        });
        it("a claim or prefix with whitespace", async () => {
            const m = await rejects({
                ...minimal(),
                usernameClaim: "e mail",
                groupsClaim: "groups\t",
                usernamePrefix: "oidc: ",
                groupsPrefix: "a b",
                requiredClaims: { "h d": "x", ok: "a b" },
            });
            assert.match(m, /usernameClaim: "e mail" must not contain whitespace/);
            assert.match(m, /groupsClaim: "groups\\t" must not contain whitespace/);
            assert.match(m, /usernamePrefix: "oidc: " must not contain whitespace/);
            assert.match(m, /groupsPrefix: "a b" must not contain whitespace/);
            assert.match(m, /requiredClaims\.h d: the claim name "h d" must be non-empty without whitespace/);
            assert.match(m, /requiredClaims\.ok: "a b" must be a non-empty value without whitespace or ","/);
        });
        it("an unknown mode, distribution or apiVersion", async () => {
            const m = await rejects({ ...minimal(), mode: "oidc", distribution: "k8s", apiVersion: "v2" });
            assert.match(m, /mode: "oidc" is not one of "flags", "structured"/);
            assert.match(m, /distribution: "k8s" is not one of "k3s", "rke2"/);
            assert.match(m, /apiVersion: "v2" is not one of "v1beta1", "v1"/);
            assert.match(m, /has 3 invalid input problems/);
        });
        it("a bad configFile, serviceName, timeouts, CA or name", async () => {
            const m = await rejects({
                ...minimal(),
                configFile: "etc/k3s.yaml",
                serviceName: "k3s; reboot",
                readyTimeoutSeconds: 0,
                readyPollSeconds: 1.5,
                lockTimeoutSeconds: 0,
                issuerCaPem: "not a pem",
            }, "my oidc");
            assert.match(m, /name: "my oidc" names the drop-in file/);
            assert.match(m, /configFile: "etc\/k3s\.yaml" must be an absolute path/);
            assert.match(m, /serviceName: "k3s; reboot" is not a systemd unit name/);
            assert.match(m, /readyTimeoutSeconds: 0 must be a whole number from 1 to 3600/);
            assert.match(m, /readyPollSeconds: 1\.5 must be a whole number from 1 to 60/);
            assert.match(m, /lockTimeoutSeconds: 0 must be a whole number from 1 to 7200/);
            assert.match(m, /issuerCaPem: is not a PEM certificate/);
            assert.match(await rejects({ ...minimal(), configFile: "/etc/rancher/../k3s/config.yaml" }), /must not contain "\." or "\.\." path parts/);
            // PEM-shaped but not X.509: kube-apiserver would fail to parse it and crash-loop.
            assert.match(await rejects({ ...minimal(), issuerCaPem: "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n" }), /issuerCaPem: certificate 1 of 1 is not a valid X\.509 certificate/);
        });
        it("lists every problem at once and never echoes a secret", async () => {
            const m = await rejects({
                servers: [{ host: "a", port: -1, privateKey: "secret-but-not-a-key", privateKeyPassword: "" }],
                issuerUrl: "http://x?y",
                clientId: "",
                mode: "nope",
            });
            assert.ok(!m.includes("secret-but-not-a-key"));
            assert.match(m, /servers\[0\]\.privateKeyPassword: must not be empty/);
            assert.match(m, /has 7 invalid input problems/);
        });
    });

    it("renderDropIn output equals what the component exports (pure and wired agree)", async () => {
        const { outputs } = await build(h, "x", { ...minimal(), mode: "structured", distribution: "rke2" });
        const plan = resolvePlan({ name: "x", owner: OWNER("x"), issuerUrl: ISSUER, clientId: "headlamp", mode: "structured", distribution: "rke2" });
        assert.strictEqual(outputs.dropIn, renderDropIn(plan));
        assert.ok(outputs.dropIn.endsWith('kube-apiserver-extra-mount+:\n  - "/etc/rancher/rke2/x-authentication-config.yaml:/etc/rancher/rke2/x-authentication-config.yaml:ro"\n'));
    });
});
