// The security review's findings (issue 21), one describe per finding: each test fails when its
// fix is taken out. The escalation of finding 1 is shown on a real kube-apiserver by the tier
// (tests/apiserver/tier.spec.ts); here the refusals of each entry point are checked.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { HeadlampRelease, K3sOidcApiServer, K3sOidcApiServerArgs } from "../components";
import { validateHeadlampArgs, HeadlampArgsToCheck } from "../components/headlamp/settings";
import { validateK3sArgs } from "../components/k3s/settings";
import { Problems, checkHttpsBaseUrl, checkHttpsUrl, checkRedirectUri, prefixReachesSystem, withoutUserinfo } from "../components/validation";
import { issuerUrlFor, validateAuthentikArgs } from "../components/authentik/settings";
import { emailBindingWarning, readSettings } from "../program/config";
import { MockHarness, captureWarnings, errorOf, valueOf } from "./harness";
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

/** Runs index.ts under mocks with the dev stack's config (+ patch), as tests/program.test.ts does, and returns the warnings logged. */
async function programWarnings(patch: Record<string, unknown>): Promise<string[]> {
    const h = await MockHarness.install({ config: stackConfig("Pulumi.dev.yaml", { ...TEST_SECRETS, ...patch }), secretKeys: SECRET_KEYS, stack: "dev" });
    const captured = captureWarnings();
    try {
        const entry = require.resolve("../index");
        delete require.cache[entry];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(entry) as { headlampUrl: pulumi.Output<string>; apiServerDropIn: pulumi.Output<string> };
        await valueOf(program.headlampUrl);
        await valueOf(program.apiServerDropIn);
        await h.settle();
        return captured.messages;
    } finally {
        captured.restore();
    }
}

const DEV_HOST_KEY = "k3s-1.dev.example.lan ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDevStackHostKeyForTests";

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

    describe("5. URLs that pass the parser but make an unusable issuer", () => {
        const check = (fn: (p: Problems) => void) => {
            const p = new Problems();
            fn(p);
            return p.list.map((x) => x.message);
        };

        it("an empty \"?\" or \"#\" is refused in base URLs, issuer-style URLs and redirect URIs (the parser reports neither)", () => {
            for (const value of ["https://auth.example.com?", "https://auth.example.com#", "https://auth.example.com/?", "https://auth.example.com/#"]) {
                assert.strictEqual(new URL(value).search + new URL(value).hash, "", "the WHATWG parser sees nothing");
                const m = check((p) => checkHttpsBaseUrl(p, "authentikUrl", value, "https://auth.example.com"));
                assert.strictEqual(m.length, 1, `${value}: ${m.join("; ")}`);
                assert.match(m[0], /must be a base URL without a path, query or fragment; use "https:\/\/auth\.example\.com" \(even an empty "\?" or "#" counts: Kubernetes would see one in the issuer\)/);
            }
            for (const value of [`${ISSUER}?`, `${ISSUER}#`]) {
                assert.match(check((p) => checkHttpsUrl(p, "issuerUrl", value, ISSUER)).join(), /must not have a query or fragment/, value);
            }
            assert.match(check((p) => checkRedirectUri(p, "redirectUris[0]", "https://headlamp.example.com/oidc-callback#")).join(), /must not have a fragment \(RFC 6749\), not even an empty "#"/);
            // ...so the issuer is never built from such text: AuthentikOidcApp refuses it first.
            assert.match(validateAuthentikArgs({ authentikUrl: "https://auth.example.com?", slug: "headlamp", redirectUris: ["https://h.example.com/oidc-callback"] }).format("x"), /authentikUrl: "https:\/\/auth\.example\.com\?" must be a base URL without a path, query or fragment/);
        });

        it("a non-ASCII host is refused with its punycode form; the issuer is built from the parsed, normalised origin", () => {
            const m = check((p) => checkHttpsBaseUrl(p, "authentikUrl", "https://bücher.example", "https://auth.example.com"));
            assert.deepStrictEqual(m, ['"https://bücher.example" has a non-ASCII host; tokens and browsers use its ASCII (punycode) form, so write "xn--bcher-kva.example", e.g. "https://xn--bcher-kva.example".']);
            assert.match(check((p) => checkHttpsUrl(p, "issuerUrl", "https://bücher.example/application/o/h/", ISSUER)).join(), /write "xn--bcher-kva\.example", e\.g\. "https:\/\/xn--bcher-kva\.example\/application\/o\/h\/"/);
            assert.match(check((p) => checkRedirectUri(p, "redirectUris[0]", "https://bücher.example/oidc-callback")).join(), /non-ASCII host; tokens and browsers use its ASCII \(punycode\) form, so write "xn--bcher-kva\.example"/);
            assert.deepStrictEqual(check((p) => checkHttpsBaseUrl(p, "authentikUrl", "https://xn--bcher-kva.example", "x")), [], "the punycode form passes");
            // Authentik builds iss from the request: lower-case host, no default port.
            assert.strictEqual(issuerUrlFor("https://Auth.Example.COM:443", "headlamp"), "https://auth.example.com/application/o/headlamp/");
            assert.strictEqual(issuerUrlFor("https://auth.example.com/", "headlamp"), "https://auth.example.com/application/o/headlamp/");
            assert.strictEqual(issuerUrlFor("https://auth.example.com:8443", "headlamp"), "https://auth.example.com:8443/application/o/headlamp/");
        });
    });

    describe("6. passwords inside URLs are never echoed", () => {
        const PASSWORD = "hunter2";
        it("withoutUserinfo drops user:password@, even when the text does not parse", () => {
            assert.strictEqual(withoutUserinfo("http://admin:hunter2@auth.example.com"), "http://auth.example.com");
            assert.strictEqual(withoutUserinfo("https://admin:hun@ter2@auth.example.com/x?y"), "https://auth.example.com/x?y");
            assert.strictEqual(withoutUserinfo("https://admin:hunter2/x@auth.example.com/"), "https://auth.example.com/", "a password with a slash");
            assert.strictEqual(withoutUserinfo("https://admin:hun?ter2@auth example.com"), "https://auth example.com", "unparsable, a password with ?");
            assert.strictEqual(withoutUserinfo("https://auth.example.com/application/o/h/"), "https://auth.example.com/application/o/h/");
        });

        it("no validation message of any component or the program quotes the password", async () => {
            const urls = [
                `http://admin:${PASSWORD}@auth.example.com`,
                `https://admin:${PASSWORD}@auth.example.com/path`,
                `https://admin:${PASSWORD}@auth.example.com?`,
                `https://admin:${PASSWORD}@auth.example.com/%zz`,
                `https://admin:${PASSWORD}@bücher.example`,
                `not a url admin:${PASSWORD}@auth.example.com`,
                `https://admin:${PASSWORD}@auth.example.com/ with space`,
            ];
            for (const url of urls) {
                const texts = [
                    validateAuthentikArgs({ authentikUrl: url, slug: "h", redirectUris: [url], launchUrl: url, icon: url }).format("x"),
                    validateK3sArgs("oidc", k3sArgs({ issuerUrl: url })).format("x"),
                    validateHeadlampArgs(headlampArgs({ oidc: { clientId: "h", clientSecret: "s", issuerUrl: url, callbackUrl: url }, repositoryUrl: url })).format("x"),
                    await programError({ "authentik:url": url, apiServerUrl: url }),
                ];
                for (const text of texts) {
                    assert.ok(text.length > 0, `${url} is refused`);
                    assert.ok(!text.includes(PASSWORD), `${url}: the password is quoted in\n${text}`);
                }
            }
        });
    });

    describe("8. Headlamp's own OIDC env names in values", () => {
        it("refuses every HEADLAMP_CONFIG_OIDC_* name in values.env, with the reason", () => {
            const p = validateHeadlampArgs(headlampArgs({
                values: {
                    env: [
                        { name: "HEADLAMP_CONFIG_OIDC_CLIENT_SECRET", value: "plain-secret" },
                        { name: "HEADLAMP_CONFIG_OIDC_IDP_ISSUER_URL", value: "https://evil.example/" },
                        { name: "HEADLAMP_CONFIG_OIDC_CLIENT_ID", value: "x" },
                        { name: "HEADLAMP_CONFIG_BASE_URL", value: "/dash" },
                        { name: "TZ", value: "UTC" },
                    ],
                },
            }));
            assert.deepStrictEqual(p.list.map((x) => x.field), ["values.env[0]", "values.env[1]", "values.env[2]"], p.format("x"));
            assert.strictEqual(p.list[0].message, '"HEADLAMP_CONFIG_OIDC_CLIENT_SECRET" must not be set in values: Headlamp reads it as its own -oidc-client-secret setting, so it would put an OIDC secret into the Deployment as a plain env value or override the OIDC settings this component wires (issuer, client, callback); use the oidc arg.');
            assert.match(p.list[1].message, /its own -oidc-idp-issuer-url setting/);
            assert.ok(!p.format("x").includes("plain-secret"), "the value is never quoted");
        });
    });

    describe("4. what email_verified: True vouches for", () => {
        const EMAIL_WARNING = /headlamp-sso:adminUsers\/headlamp-sso:viewerUsers\/headlamp-sso:operatorUsers\/headlamp-sso:namespaceAccess bind 2 user\(s\) by email while headlamp-sso:accessGroups is empty.*Authentik does not require unique emails.*enrollment flow, a federated source or the setting "Allow users to change email" \(default_user_change_email\).*Prefer groups \(headlamp-sso:adminGroups, headlamp-sso:viewerGroups\) and set headlamp-sso:accessGroups/s;

        it("pulumi up warns when adminUsers/viewerUsers bind emails and accessGroups is empty", async () => {
            const warned = await programWarnings({ sshHostKeys: [DEV_HOST_KEY], accessGroups: [], adminUsers: ["alice@example.com"], viewerUsers: ["vic@example.com"] });
            assert.strictEqual(warned.filter((w) => EMAIL_WARNING.test(w)).length, 1, warned.join("\n"));
        });

        it("and not with accessGroups, without user bindings, or when the username is not the email", async () => {
            const quiet = await programWarnings({ sshHostKeys: [DEV_HOST_KEY], adminUsers: ["alice@example.com"], viewerUsers: ["vic@example.com"] });
            assert.ok(!quiet.some((w) => /bind .* by email/.test(w)), quiet.join("\n"));
            const base = { authentik: { accessGroups: [] as string[] }, apiServer: { usernameClaim: "email" }, headlamp: { adminUsers: [] as string[], viewerUsers: [] as string[] } };
            const warn = (patch: { accessGroups?: string[]; usernameClaim?: string; adminUsers?: string[] }) => emailBindingWarning({
                authentik: { ...base.authentik, accessGroups: patch.accessGroups ?? [] },
                apiServer: { ...base.apiServer, usernameClaim: patch.usernameClaim ?? "email" },
                headlamp: { ...base.headlamp, adminUsers: patch.adminUsers ?? [] },
            } as unknown as Parameters<typeof emailBindingWarning>[0]);
            assert.strictEqual(warn({}), undefined, "nobody bound by email");
            assert.ok(warn({ adminUsers: ["a@example.com"] }));
            assert.strictEqual(warn({ adminUsers: ["a@example.com"], accessGroups: ["k8s"] }), undefined);
            assert.strictEqual(warn({ adminUsers: ["oidc:alice"], usernameClaim: "preferred_username" }), undefined);
        });

        it("counts operators and namespace users bound by email too", async () => {
            const warned = await programWarnings({ sshHostKeys: [DEV_HOST_KEY], accessGroups: [], operatorUsers: ["olga@example.com"], namespaceAccess: ["web/viewer/user/nina@example.com", "web/admin/group/web-team"] });
            const email = warned.filter((w) => EMAIL_WARNING.test(w));
            assert.strictEqual(email.length, 1, warned.join("\n"));
            assert.match(email[0], /bind 2 user\(s\) by email/);
        });
    });

    describe("9. unpinned SSH host keys", () => {
        async function componentWarnings(servers: K3sOidcApiServerArgs["servers"]): Promise<string[]> {
            const h = await MockHarness.install();
            const captured = captureWarnings();
            try {
                const c = new K3sOidcApiServer("oidc", k3sArgs({ servers }));
                await valueOf(c.reports);
                await h.settle();
                return captured.messages;
            } finally {
                captured.restore();
            }
        }

        it("K3sOidcApiServer warns for each server without a pinned key, naming the ssh-keyscan line to add", async () => {
            const warned = await componentWarnings([
                { host: "k3s-1.lan", privateKey: KEY },
                { host: "k3s-2.lan", port: 2222, privateKey: KEY },
                { host: "k3s-3.lan", privateKey: KEY, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey" },
            ]);
            assert.deepStrictEqual(warned, [
                'servers[0] (k3s-1.lan) has no pinned SSH host key, so any key is accepted: whoever can redirect the connection (DNS, ARP, a router on the way) can pose as the server and report the OIDC change as applied. '
                    + 'Pin it: `ssh-keyscan -t ed25519 k3s-1.lan` prints "k3s-1.lan ssh-ed25519 AAAA..."; set hostKey to its "ssh-ed25519 AAAA..." part (the program: add the whole line to headlamp-sso:sshHostKeys).',
                'servers[1] (k3s-2.lan:2222) has no pinned SSH host key, so any key is accepted: whoever can redirect the connection (DNS, ARP, a router on the way) can pose as the server and report the OIDC change as applied. '
                    + 'Pin it: `ssh-keyscan -t ed25519 -p 2222 k3s-2.lan` prints "[k3s-2.lan]:2222 ssh-ed25519 AAAA..."; set hostKey to its "ssh-ed25519 AAAA..." part (the program: add the whole line to headlamp-sso:sshHostKeys).',
            ]);
        });

        it("the program warns for a server not in sshHostKeys, and not once it is pinned", async () => {
            const unpinned = await programWarnings({});
            assert.ok(unpinned.some((w) => w.includes("servers[0] (k3s-1.dev.example.lan) has no pinned SSH host key") && w.includes("`ssh-keyscan -t ed25519 k3s-1.dev.example.lan`")), unpinned.join("\n"));
            const pinned = await programWarnings({ sshHostKeys: [DEV_HOST_KEY] });
            assert.ok(!pinned.some((w) => w.includes("SSH host key")), pinned.join("\n"));
        });
    });
});
