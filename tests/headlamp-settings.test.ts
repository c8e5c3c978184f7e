// HeadlampRelease's pure settings, without mocks: validation of every arg, the Secret's data, its
// checksum, the Helm values (with the user's values merged last) and the RBAC subjects.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    CHECKSUM_ANNOTATION,
    HEADLAMP_DEFAULTS,
    HeadlampArgsToCheck,
    defaultCallbackUrl,
    parseVersion,
    validateHeadlampArgs,
} from "../components/headlamp/settings";
import { checksumOf, deepMerge, renderSecretData, renderValues } from "../components/headlamp/render";
import { noRbacWarning, renderSubjects } from "../components/headlamp/rbac";
import { Problems } from "../components/validation";

const SECRET = "s3cr3t-client-secret-value";

function goodArgs(): HeadlampArgsToCheck {
    return {
        host: "headlamp.example.com",
        oidc: { clientId: "headlamp", clientSecret: SECRET, issuerUrl: "https://auth.example.com/application/o/headlamp/" },
        admins: { users: ["alice@example.com"], groups: ["k8s-admins"] },
    };
}

function fields(p: Problems): string[] {
    return p.list.map((x) => x.field);
}

/** The one problem of `args`, asserting there is exactly one on `field`. */
function onlyProblem(args: HeadlampArgsToCheck, field: string): string {
    const p = validateHeadlampArgs(args);
    assert.deepStrictEqual(fields(p), [field], p.format("x"));
    return p.list[0].message;
}

describe("HeadlampRelease settings (pure)", () => {
    describe("validateHeadlampArgs", () => {
        it("accepts the minimal and a full set of args", () => {
            assert.ok(validateHeadlampArgs(goodArgs()).ok);
            const full: HeadlampArgsToCheck = {
                ...goodArgs(),
                namespace: "dash",
                createNamespace: false,
                releaseName: "hl",
                chartVersion: "0.43.0",
                repositoryUrl: "https://charts.example.com/headlamp/",
                ingressClassName: "nginx",
                tls: { secretName: "headlamp-tls", clusterIssuer: "letsencrypt" },
                oidc: { ...goodArgs().oidc, scopes: ["profile", "groups"], callbackUrl: "https://headlamp.example.com/oidc-callback", usePkce: true },
                viewers: { users: ["bob@example.com"], groups: ["devs"] },
                usernamePrefix: "oidc:",
                groupsPrefix: "authentik:",
                resources: { limits: { memory: "256Mi" } },
                values: { nodeSelector: { a: "b" }, replicaCount: 1, clusterRoleBinding: { create: false } },
            };
            const p = validateHeadlampArgs(full);
            assert.ok(p.ok, p.format("x"));
            assert.ok(validateHeadlampArgs({ ...goodArgs(), tls: { secretName: "t", clusterIssuer: "" } }).ok, "empty clusterIssuer means none");
        });

        it("takes Outputs as given (they cannot be checked before registration)", () => {
            const p = validateHeadlampArgs({
                host: pulumi.output("NOT A HOST"),
                oidc: { clientId: pulumi.output(""), clientSecret: pulumi.secret("x"), issuerUrl: pulumi.output("http://x") },
                admins: { users: [pulumi.output("") as unknown as string] },
            });
            assert.ok(p.ok, p.format("x"));
        });

        it("requires host and oidc, and each of clientId, clientSecret, issuerUrl", () => {
            assert.deepStrictEqual(fields(validateHeadlampArgs({})), ["host", "oidc"]);
            assert.deepStrictEqual(fields(validateHeadlampArgs({ host: "h.example.com", oidc: {} })), ["oidc.clientId", "oidc.clientSecret", "oidc.issuerUrl"]);
            assert.deepStrictEqual(fields(validateHeadlampArgs(undefined)), ["args"]);
        });

        it("rejects a host that is not a DNS name, naming the value and the fix", () => {
            for (const host of ["https://headlamp.example.com", "Headlamp.example.com", "headlamp.example.com:443", "headlamp.example.com/x", "", "a_b.example.com"]) {
                const msg = onlyProblem({ ...goodArgs(), host }, "host");
                assert.ok(msg.includes(JSON.stringify(host)) && msg.includes("headlamp.example.com"), msg);
            }
        });

        it("rejects a callback URL that is not on the host, not https or not /oidc-callback", () => {
            const cb = (callbackUrl: string) => ({ ...goodArgs(), oidc: { ...goodArgs().oidc, callbackUrl } });
            assert.match(onlyProblem(cb("https://other.example.com/oidc-callback"), "oidc.callbackUrl"), /not on host "headlamp.example.com".*"https:\/\/headlamp.example.com\/oidc-callback"/);
            assert.match(onlyProblem(cb("https://headlamp.example.com:8443/oidc-callback"), "oidc.callbackUrl"), /not on host/);
            assert.match(onlyProblem(cb("http://headlamp.example.com/oidc-callback"), "oidc.callbackUrl"), /must use https/);
            assert.match(onlyProblem(cb("https://headlamp.example.com/callback"), "oidc.callbackUrl"), /must end in "\/oidc-callback"/);
            assert.match(onlyProblem(cb("oidc-callback"), "oidc.callbackUrl"), /not an absolute URL/);
            assert.ok(validateHeadlampArgs(cb("https://headlamp.example.com/base/oidc-callback")).ok, "a base URL prefix is fine");
        });

        it("rejects an issuer URL that is not https", () => {
            for (const issuerUrl of ["http://auth.example.com/application/o/headlamp/", "auth.example.com", "https://auth.example.com/o/?x=1"]) {
                const msg = onlyProblem({ ...goodArgs(), oidc: { ...goodArgs().oidc, issuerUrl } }, "oidc.issuerUrl");
                assert.ok(msg.includes(JSON.stringify(issuerUrl)), msg);
            }
        });

        it("rejects chart 0.40.1 and anything below 0.43, and non-versions", () => {
            assert.match(onlyProblem({ ...goodArgs(), chartVersion: "0.40.1" }, "chartVersion"), /"0.40.1" crash-loops; use "0.45.0"/);
            const reason = onlyProblem({ ...goodArgs(), chartVersion: "0.42.9" }, "chartVersion");
            assert.match(reason, /"0\.42\.9" is older than 0\.43\.0, the oldest chart whose rendering of these values \(externalSecret with hasScopes, callbackURL, usePKCE, secret\.create false\) was checked with helm template; use "0\.45\.0"/);
            assert.doesNotMatch(reason, /first to load OIDC_SCOPES/, "0.40.1-0.42 load OIDC_SCOPES too; that is not the reason");
            assert.match(onlyProblem({ ...goodArgs(), chartVersion: "0.30.0" }, "chartVersion"), /older than 0.43.0/);
            assert.match(onlyProblem({ ...goodArgs(), chartVersion: "latest" }, "chartVersion"), /not a chart version/);
            for (const ok of ["0.43.0", "0.45.0", "0.46.0-rc.1", "1.0.0"]) {
                assert.ok(validateHeadlampArgs({ ...goodArgs(), chartVersion: ok }).ok, ok);
            }
            assert.deepStrictEqual(parseVersion("0.45.0"), [0, 45, 0]);
            assert.strictEqual(parseVersion("0.45"), undefined);
        });

        it("rejects empty user and group names, with their index", () => {
            const p = validateHeadlampArgs({ ...goodArgs(), admins: { users: ["ok@example.com", ""], groups: [" "] }, viewers: { users: [""], groups: ["g", ""] } });
            assert.deepStrictEqual(fields(p), ["admins.users[1]", "admins.groups[0]", "viewers.users[0]", "viewers.groups[1]"]);
            assert.match(p.list[0].message, /must not be empty/);
            assert.deepStrictEqual(fields(validateHeadlampArgs({ ...goodArgs(), viewers: { users: " alice" as unknown as string[] } })), ["viewers.users"]);
            assert.deepStrictEqual(fields(validateHeadlampArgs({ ...goodArgs(), viewers: { users: [" alice"] } })), ["viewers.users[0]"]);
        });

        it("rejects replicaCount above 1 in values (login state lives in the pod)", () => {
            const msg = onlyProblem({ ...goodArgs(), values: { replicaCount: 2 } }, "values.replicaCount");
            assert.match(msg, /^2 is not allowed: .*pod's memory/);
            assert.deepStrictEqual(fields(validateHeadlampArgs({ ...goodArgs(), values: { replicaCount: 1.5 } })), ["values.replicaCount"]);
            assert.deepStrictEqual(fields(validateHeadlampArgs({ ...goodArgs(), values: { autoscaling: { enabled: true } } })), ["values.autoscaling.enabled"]);
            assert.ok(validateHeadlampArgs({ ...goodArgs(), values: { replicaCount: 0 } }).ok, "0 stops Headlamp, allowed");
        });

        it("rejects values that would re-enable the service-account binding or carry OIDC settings", () => {
            assert.match(onlyProblem({ ...goodArgs(), values: { clusterRoleBinding: { create: true } } }, "values.clusterRoleBinding.create"), /cluster-admin.*admins\/viewers/);
            assert.match(onlyProblem({ ...goodArgs(), values: { config: { oidc: { clientSecret: "plain" } } } }, "values.config.oidc"), /use the oidc arg/);
            assert.match(onlyProblem({ ...goodArgs(), values: { config: { oidc: { secret: { create: true } } } } }, "values.config.oidc"), /Helm values/);
            assert.match(onlyProblem({ ...goodArgs(), values: { env: [{ name: "X", value: "1" }, { name: "OIDC_CLIENT_SECRET", value: "plain" }] } }, "values.env[1]"), /"OIDC_CLIENT_SECRET"/);
            assert.deepStrictEqual(fields(validateHeadlampArgs({ ...goodArgs(), values: { podAnnotations: { [CHECKSUM_ANNOTATION]: "x" } } })), [`values.podAnnotations["${CHECKSUM_ANNOTATION}"]`]);
            assert.ok(validateHeadlampArgs({ ...goodArgs(), values: { config: { baseURL: "" }, podAnnotations: { a: "b" } } }).ok, "other config keys are fine");
            assert.deepStrictEqual(fields(validateHeadlampArgs({ ...goodArgs(), values: [] as unknown as Record<string, unknown> })), ["values"]);
        });

        it("rejects bad names, scopes and prefixes", () => {
            const p = validateHeadlampArgs({
                ...goodArgs(),
                namespace: "Head_lamp",
                releaseName: "x".repeat(54),
                repositoryUrl: "http://charts.example.com",
                ingressClassName: "",
                tls: { secretName: "TLS", clusterIssuer: "Lets Encrypt" },
                oidc: { ...goodArgs().oidc, scopes: ["profile", "a b", ""], usePkce: "yes" },
                usernamePrefix: "a b",
                groupsPrefix: "oidc: ",
                createNamespace: "yes",
            });
            assert.match(p.list[1].message, /longer than Helm's 53 characters/);
            assert.deepStrictEqual(fields(p), [
                "namespace",
                "releaseName",
                "createNamespace",
                "repositoryUrl",
                "ingressClassName",
                "tls.secretName",
                "tls.clusterIssuer",
                "oidc.scopes[1]",
                "oidc.scopes[2]",
                "oidc.usePkce",
                "usernamePrefix",
                "groupsPrefix",
            ]);
        });

        it("lists every problem at once and never quotes the client secret", () => {
            const p = validateHeadlampArgs({
                host: "https://bad",
                chartVersion: "0.40.1",
                oidc: { clientId: "", clientSecret: SECRET, issuerUrl: "http://auth", callbackUrl: "https://elsewhere.example.com/oidc-callback" },
                admins: { users: [""] },
                values: { replicaCount: 3 },
            });
            assert.deepStrictEqual(fields(p), ["chartVersion", "host", "oidc.clientId", "oidc.issuerUrl", "admins.users[0]", "values.replicaCount"]);
            const text = p.format('HeadlampRelease "hl"');
            assert.match(text, /^HeadlampRelease "hl" has 6 invalid input problems \(nothing was created\):/);
            assert.ok(!text.includes(SECRET));
            assert.deepStrictEqual(fields(validateHeadlampArgs({ ...goodArgs(), oidc: { ...goodArgs().oidc, clientSecret: " " } })), ["oidc.clientSecret"]);
            assert.ok(!validateHeadlampArgs({ ...goodArgs(), oidc: { ...goodArgs().oidc, clientSecret: " " } }).format("x").includes('" "'));
        });
    });

    describe("renderSecretData", () => {
        const base = { clientId: "headlamp", clientSecret: SECRET, issuerUrl: "https://auth.example.com/application/o/headlamp/", scopes: HEADLAMP_DEFAULTS.scopes, callbackUrl: defaultCallbackUrl("headlamp.example.com"), usePkce: false };

        it("has the chart's env keys, comma-separated scopes, the callback, and no PKCE key by default", () => {
            assert.deepStrictEqual(renderSecretData(base), {
                OIDC_CLIENT_ID: "headlamp",
                OIDC_CLIENT_SECRET: SECRET,
                OIDC_ISSUER_URL: "https://auth.example.com/application/o/headlamp/",
                OIDC_SCOPES: "profile,email,offline_access",
                OIDC_CALLBACK_URL: "https://headlamp.example.com/oidc-callback",
            });
        });

        it("adds OIDC_USE_PKCE only when PKCE is on", () => {
            assert.strictEqual(renderSecretData({ ...base, usePkce: true }).OIDC_USE_PKCE, "true");
            assert.ok(!("OIDC_USE_PKCE" in renderSecretData(base)));
            assert.ok(!("OIDC_CALLBACK_URL" in renderSecretData({ ...base, callbackUrl: "" })));
        });
    });

    describe("checksumOf", () => {
        const data = { OIDC_CLIENT_ID: "headlamp", OIDC_CLIENT_SECRET: SECRET };

        it("is a sha256 hex that changes with any value, not with key order, and hides the secret", () => {
            const sum = checksumOf(data);
            assert.match(sum, /^[0-9a-f]{64}$/);
            assert.strictEqual(checksumOf({ OIDC_CLIENT_SECRET: SECRET, OIDC_CLIENT_ID: "headlamp" }), sum);
            assert.notStrictEqual(checksumOf({ ...data, OIDC_CLIENT_SECRET: `${SECRET}2` }), sum);
            assert.notStrictEqual(checksumOf({ ...data, OIDC_CLIENT_ID: "other" }), sum);
            assert.notStrictEqual(checksumOf({ ...data, OIDC_SCOPES: "" }), sum, "an added key counts");
            assert.ok(!sum.includes(SECRET));
        });
    });

    describe("renderValues", () => {
        const settings = {
            secretName: "headlamp-oidc",
            host: "headlamp.example.com",
            ingressClassName: "traefik",
            tlsSecretName: "headlamp-tls",
            clusterIssuer: "letsencrypt",
            resources: HEADLAMP_DEFAULTS.resources as unknown as Record<string, unknown>,
            checksum: "abc123",
            callbackUrl: "https://headlamp.example.com/oidc-callback",
            usePkce: false,
        };
        const oidcValues = {
            secret: { create: false },
            externalSecret: { enabled: true, name: "headlamp-oidc", hasScopes: true },
            callbackURL: "https://headlamp.example.com/oidc-callback",
            usePKCE: false,
        };

        it("renders externalSecret OIDC, no service-account binding, one replica, ingress with TLS, resources, the checksum", () => {
            assert.deepStrictEqual(renderValues(settings), {
                replicaCount: 1,
                config: { oidc: oidcValues },
                clusterRoleBinding: { create: false },
                ingress: {
                    enabled: true,
                    ingressClassName: "traefik",
                    annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
                    hosts: [{ host: "headlamp.example.com", paths: [{ path: "/", type: "Prefix" }] }],
                    tls: [{ secretName: "headlamp-tls", hosts: ["headlamp.example.com"] }],
                },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
                podAnnotations: { [CHECKSUM_ANNOTATION]: "abc123" },
            });
        });

        it("turns on the chart's callback and PKCE flags with plain values, and its own Secret off", () => {
            const oidc = (renderValues({ ...settings, callbackUrl: "https://headlamp.example.com/x/oidc-callback", usePkce: true }) as { config: { oidc: unknown } }).config.oidc;
            assert.deepStrictEqual(oidc, { ...oidcValues, callbackURL: "https://headlamp.example.com/x/oidc-callback", usePKCE: true });
        });

        it("leaves out the cert-manager annotation without an issuer and the tls section without a Secret", () => {
            const v = renderValues({ ...settings, clusterIssuer: "", tlsSecretName: undefined }) as { ingress: Record<string, unknown> };
            assert.deepStrictEqual(v.ingress.annotations, {});
            assert.ok(!("tls" in v.ingress));
        });

        it("deep-merges the user's values last, replacing lists", () => {
            const v = renderValues({
                ...settings,
                values: {
                    nodeSelector: { "kubernetes.io/arch": "arm64" },
                    ingress: { annotations: { "traefik.ingress.kubernetes.io/router.middlewares": "a@b" }, tls: [{ secretName: "other", hosts: ["x.example.com"] }] },
                    podAnnotations: { team: "ops" },
                    config: { baseURL: "" },
                },
            }) as Record<string, any>;
            assert.deepStrictEqual(v.nodeSelector, { "kubernetes.io/arch": "arm64" });
            assert.deepStrictEqual(v.ingress.annotations, { "cert-manager.io/cluster-issuer": "letsencrypt", "traefik.ingress.kubernetes.io/router.middlewares": "a@b" });
            assert.deepStrictEqual(v.ingress.tls, [{ secretName: "other", hosts: ["x.example.com"] }]);
            assert.deepStrictEqual(v.podAnnotations, { [CHECKSUM_ANNOTATION]: "abc123", team: "ops" });
            assert.deepStrictEqual(v.config, { oidc: oidcValues, baseURL: "" });
        });

        it("deepMerge does not change its inputs and treats arrays and Outputs as leaves", () => {
            const base = { a: { b: [1, 2], c: 1 } };
            const out = pulumi.output("x");
            const merged = deepMerge(base, { a: { b: [3] }, d: out });
            assert.deepStrictEqual(base, { a: { b: [1, 2], c: 1 } });
            assert.deepStrictEqual(merged.a, { b: [3], c: 1 });
            assert.strictEqual(merged.d, out);
        });
    });

    describe("renderSubjects and the RBAC warning", () => {
        it("prefixes users with the username prefix and groups with the groups prefix", () => {
            assert.deepStrictEqual(renderSubjects(["alice@example.com"], ["k8s-admins", "ops"], "", "oidc:"), [
                { kind: "User", name: "alice@example.com", apiGroup: "rbac.authorization.k8s.io" },
                { kind: "Group", name: "oidc:k8s-admins", apiGroup: "rbac.authorization.k8s.io" },
                { kind: "Group", name: "oidc:ops", apiGroup: "rbac.authorization.k8s.io" },
            ]);
            assert.deepStrictEqual(renderSubjects(["bob"], [], "authentik:", "")[0].name, "authentik:bob");
            assert.deepStrictEqual(renderSubjects(["bob"], ["g"], "-", "-").map((x) => x.name), ["bob", "g"], '"-" means no prefix, as for kube-apiserver');
        });

        it("warns only when nobody is granted anything", () => {
            assert.match(noRbacWarning(0, 0) ?? "", /nobody can act in the Headlamp dashboard until RBAC is granted/);
            assert.strictEqual(noRbacWarning(1, 0), undefined);
            assert.strictEqual(noRbacWarning(0, 2), undefined);
        });
    });
});
