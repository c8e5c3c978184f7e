// The security review's findings (issue 21), one describe per finding: each test fails when its
// fix is taken out. The escalation of finding 1 is shown on a real kube-apiserver by the tier
// (tests/apiserver/tier.spec.ts); here the refusals of each entry point are checked.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { HeadlampRelease, K3sOidcApiServer, K3sOidcApiServerArgs } from "../components";
import { validateHeadlampArgs, HeadlampArgsToCheck } from "../components/headlamp/settings";
import { validateK3sArgs } from "../components/k3s/settings";
import { Problems, prefixReachesSystem } from "../components/validation";
import { readSettings } from "../program/config";
import { MockHarness, errorOf } from "./harness";
import { stackConfig, withoutAuthentikEnv } from "./stack-config";

/** As in tests/program-config.test.ts (not imported: that would run its suite here too). */
const TEST_SECRETS = {
    "authentik:token": "test-authentik-token",
    sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\ntest-key-material\n-----END OPENSSH PRIVATE KEY-----\n",
};
const SECRET_KEYS = ["authentik:token", "headlamp-sso:sshPrivateKey", "headlamp-sso:sshPrivateKeyPassword", "headlamp-sso:kubeconfig", "headlamp-sso:clientSecret"];
const ISSUER = "https://auth.example.com/application/o/headlamp/";
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-key\n-----END OPENSSH PRIVATE KEY-----\n";

const k3sArgs = (extra: Partial<K3sOidcApiServerArgs> = {}): K3sOidcApiServerArgs => ({
    servers: [{ host: "k3s-1.lan", privateKey: KEY, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey" }],
    issuerUrl: ISSUER,
    clientId: "headlamp",
    ...extra,
});

const headlampArgs = (extra: Partial<HeadlampArgsToCheck> = {}): HeadlampArgsToCheck => ({
    host: "headlamp.example.com",
    oidc: { clientId: "headlamp", clientSecret: "s3cret-value", issuerUrl: ISSUER },
    admins: { groups: ["k8s-admins"] },
    ...extra,
});

function messages(p: Problems, field: string): string[] {
    return p.list.filter((x) => x.field === field).map((x) => x.message);
}

async function programError(patch: Record<string, unknown>): Promise<string> {
    const h = await MockHarness.install({ config: stackConfig("Pulumi.dev.yaml", { ...TEST_SECRETS, ...patch }), secretKeys: SECRET_KEYS, stack: "dev" });
    const err = await errorOf(() => readSettings());
    await h.settle();
    assert.deepStrictEqual(h.resources, [], "nothing registered");
    return err.message;
}

describe("security (issue 21)", () => {
    withoutAuthentikEnv();

    describe("1. no Authentik user or group becomes a Kubernetes system: identity", () => {
        it("prefixReachesSystem: a prefix that is system: or a start of it, or starts with it", () => {
            for (const p of ["", "s", "sys", "system", "system:", "system:x"]) {
                assert.strictEqual(prefixReachesSystem(p), true, JSON.stringify(p));
            }
            for (const p of ["oidc:", "authentik:", "x", "System:", "sso-"]) {
                assert.strictEqual(prefixReachesSystem(p), false, JSON.stringify(p));
            }
        });

        it("K3sOidcApiServer refuses an empty or \"-\" groups prefix, with the reason, and a prefix that completes to system:", () => {
            for (const prefix of ["", "-"]) {
                const m = messages(validateK3sArgs("oidc", k3sArgs({ groupsPrefix: prefix })), "groupsPrefix");
                assert.strictEqual(m.length, 1, `groupsPrefix ${JSON.stringify(prefix)}`);
                assert.match(m[0], /turns the groups prefix off: Authentik group names are not Kubernetes-safe, and an Authentik group named "system:masters" would then be Kubernetes's system:masters group/);
                assert.match(m[0], /keep a prefix such as "oidc:"/);
            }
            for (const prefix of ["system:", "sys"]) {
                assert.match(messages(validateK3sArgs("oidc", k3sArgs({ groupsPrefix: prefix })), "groupsPrefix")[0], /starts with "system:" or is a start of it/);
            }
            assert.deepStrictEqual(validateK3sArgs("oidc", k3sArgs()).list, [], "the default (oidc:) passes");
            assert.deepStrictEqual(validateK3sArgs("oidc", k3sArgs({ groupsPrefix: "authentik:" })).list, []);
        });

        it("K3sOidcApiServer refuses an empty username prefix unless the username claim is email", () => {
            for (const claim of ["preferred_username", "sub", "name"]) {
                for (const prefix of ["", "-"]) {
                    const m = messages(validateK3sArgs("oidc", k3sArgs({ usernameClaim: claim, usernamePrefix: prefix })), "usernamePrefix");
                    assert.strictEqual(m.length, 1, `${claim} with ${JSON.stringify(prefix)}`);
                    assert.match(m[0], new RegExp(`only safe with the username claim "email", and usernameClaim is "${claim}": an Authentik user whose ${claim} is "system:kube-controller-manager"`));
                }
            }
            assert.deepStrictEqual(validateK3sArgs("oidc", k3sArgs({ usernamePrefix: "" })).list, [], "email (the default claim) without a prefix passes");
            assert.deepStrictEqual(validateK3sArgs("oidc", k3sArgs({ usernameClaim: "email", usernamePrefix: "-" })).list, []);
            assert.deepStrictEqual(validateK3sArgs("oidc", k3sArgs({ usernameClaim: "preferred_username", usernamePrefix: "oidc:" })).list, []);
            assert.match(messages(validateK3sArgs("oidc", k3sArgs({ usernamePrefix: "system:" })), "usernamePrefix")[0], /starts with "system:"/);
            // An Output claim cannot be checked at construction: only the prefix itself is.
            assert.deepStrictEqual(validateK3sArgs("oidc", k3sArgs({ usernameClaim: pulumi.output("sub"), usernamePrefix: "" })).list, []);
        });

        it("the component throws before registering anything", async () => {
            const h = await MockHarness.install();
            const err = await errorOf(() => new K3sOidcApiServer("oidc", k3sArgs({ groupsPrefix: "-", usernameClaim: "sub" })));
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
            assert.match(err.message, /groupsPrefix: "-" turns the groups prefix off/);
            assert.match(err.message, /usernamePrefix: "" \(no prefix\) is only safe with the username claim "email", and usernameClaim is "sub"/, "the default (no prefix) with the claim sub");
        });

        it("HeadlampRelease refuses an empty or \"-\" groups prefix, a system: prefix, and system: users or groups in admins/viewers", () => {
            for (const prefix of ["", "-", "system:"]) {
                assert.strictEqual(messages(validateHeadlampArgs(headlampArgs({ groupsPrefix: prefix })), "groupsPrefix").length, 1, JSON.stringify(prefix));
            }
            assert.strictEqual(messages(validateHeadlampArgs(headlampArgs({ usernamePrefix: "system:" })), "usernamePrefix").length, 1);
            assert.deepStrictEqual(validateHeadlampArgs(headlampArgs({ usernamePrefix: "" })).list, [], "no username prefix (the email claim) passes");
            const p = validateHeadlampArgs(headlampArgs({
                admins: { groups: ["system:authenticated", "k8s-admins"], users: ["system:kube-controller-manager"] },
                viewers: { groups: ["system:unauthenticated"], users: ["system:anonymous", "vic@example.com"] },
            }));
            assert.deepStrictEqual(p.list.map((x) => x.field), ["admins.users[0]", "admins.groups[0]", "viewers.users[0]", "viewers.groups[0]"], p.format("x"));
            assert.match(messages(p, "admins.groups[0]")[0], /"system:authenticated" is a Kubernetes built-in group name \("system:" is reserved\): binding it would hand the role to Kubernetes's own identities/);
            assert.match(messages(p, "admins.users[0]")[0], /give the Authentik user's name, e.g. "alice@example.com"/);
        });

        it("HeadlampRelease throws before registering anything", async () => {
            const h = await MockHarness.install();
            const err = await errorOf(() => new HeadlampRelease("headlamp", {
                host: "headlamp.example.com",
                oidc: { clientId: "headlamp", clientSecret: pulumi.secret("s"), issuerUrl: ISSUER },
                admins: { groups: ["system:masters"] },
                groupsPrefix: "",
            }));
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
            assert.match(err.message, /groupsPrefix: "" turns the groups prefix off/);
            assert.match(err.message, /admins\.groups\[0\]: "system:masters" is a Kubernetes built-in group name/);
        });

        it("the program refuses groupsPrefix \"-\" and an explicit \"\", an empty username prefix with another claim, and system: names, naming the keys", async () => {
            assert.match(await programError({ groupsPrefix: "-" }), /headlamp-sso:groupsPrefix: "-" turns the groups prefix off/);
            assert.match(await programError({ groupsPrefix: "" }), /headlamp-sso:groupsPrefix: "" turns the groups prefix off/);
            assert.match(await programError({ usernameClaim: "preferred_username" }), /headlamp-sso:usernamePrefix: "" \(no prefix\) is only safe with the username claim "email", and headlamp-sso:usernameClaim is "preferred_username"/);
            const m = await programError({ adminGroups: ["system:masters"], viewerUsers: ["system:anonymous"] });
            assert.match(m, /headlamp-sso:adminGroups\[0\]: "system:masters" is a Kubernetes built-in group name/);
            assert.match(m, /headlamp-sso:viewerUsers\[0\]: "system:anonymous" is a Kubernetes built-in user name/);
        });
    });
});
