// HeadlampRelease under Pulumi runtime mocks: the exact resources and inputs it registers, that
// the client secret stays secret and out of the Helm values, the checksum, RBAC, ordering,
// providers, outputs, warnings and every validation error.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { HeadlampRelease, HeadlampReleaseArgs } from "../components";
import { checksumOf } from "../components/headlamp/render";
import { CapturedWarnings, MockHarness, RecordedResource, allStrings, captureWarnings, errorOf, isSecretIn, randomProviderStandIn, secretOf, valueOf } from "./harness";

const T = {
    component: "headlamp-sso:index:HeadlampRelease",
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    binding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    release: "kubernetes:helm.sh/v3:Release",
    provider: "pulumi:providers:kubernetes",
    trigger: "random:index/randomId:RandomId",
};
const SECRET = "s3cr3t-client-secret-0123456789";
const ISSUER = "https://auth.example.com/application/o/headlamp-dev/";

function args(overrides: Partial<HeadlampReleaseArgs> = {}): HeadlampReleaseArgs {
    return {
        host: "headlamp.example.com",
        oidc: { clientId: pulumi.output("headlamp-dev"), clientSecret: pulumi.secret(SECRET), issuerUrl: pulumi.output(ISSUER) },
        admins: { users: ["alice@example.com"], groups: ["k8s-admins"] },
        ...overrides,
    };
}

/** Builds the component, waits for every registration, returns it. */
async function build(h: MockHarness, a: HeadlampReleaseArgs, opts?: pulumi.ComponentResourceOptions, name = "headlamp-dev"): Promise<HeadlampRelease> {
    const c = new HeadlampRelease(name, a, opts);
    await valueOf(c.status);
    await h.settle();
    return c;
}

function urnOf(r: RecordedResource): string {
    return r.urn;
}

/** The chart's OIDC values for a Secret: its own Secret off, the callback and PKCE flags switched by plain values. */
function chartOidcValues(secretName: string, usePKCE: boolean) {
    return {
        secret: { create: false },
        externalSecret: { enabled: true, name: secretName, hasScopes: true },
        callbackURL: "https://headlamp.example.com/oidc-callback",
        usePKCE,
    };
}

describe("HeadlampRelease (under mocks)", () => {
    let h: MockHarness;
    let captured: CapturedWarnings;
    let warnings: string[];
    beforeEach(async () => {
        h = await MockHarness.install();
        captured = captureWarnings();
        warnings = captured.messages;
    });
    afterEach(() => {
        captured.restore();
        h.assertNoUnknownInvokes();
    });

    describe("with defaults", () => {
        it("creates the namespace, the Secret, its restart trigger, the admins binding and the release under the component, and nothing else", async () => {
            await build(h, args());
            assert.deepStrictEqual(h.countByType(), { [T.component]: 1, [T.namespace]: 1, [T.secret]: 1, [T.binding]: 1, [T.release]: 1, [T.trigger]: 1 });
            const component = h.one(T.component, "headlamp-dev");
            for (const r of h.resources.filter((x) => x.type !== T.component)) {
                assert.strictEqual(r.parent, component.urn, `${r.name} is a child of the component`);
            }
            assert.deepStrictEqual(h.one(T.namespace).inputs.metadata, { name: "headlamp" });
            assert.deepStrictEqual(warnings, []);
        });

        it("puts the chart's env keys into a secret Secret in the namespace", async () => {
            await build(h, args());
            const s = h.one(T.secret, "headlamp-dev-oidc");
            assert.deepStrictEqual(s.inputs.metadata, { name: "headlamp-oidc", namespace: "headlamp" });
            assert.strictEqual(s.inputs.type, "Opaque");
            assert.deepStrictEqual(s.inputs.stringData, {
                OIDC_CLIENT_ID: "headlamp-dev",
                OIDC_CLIENT_SECRET: SECRET,
                OIDC_ISSUER_URL: ISSUER,
                OIDC_SCOPES: "profile,email,offline_access",
                OIDC_CALLBACK_URL: "https://headlamp.example.com/oidc-callback",
            });
            assert.ok(isSecretIn(s.rawInputs, "stringData"), "stringData is secret");
            assert.ok(isSecretIn(s.rawInputs, "stringData.OIDC_CLIENT_SECRET"));
            assert.strictEqual(s.inputs.data, undefined);
        });

        it("installs the chart from its repository with the exact values, and no client secret anywhere in them", async () => {
            await build(h, args());
            const r = h.one(T.release, "headlamp-dev-release");
            assert.strictEqual(r.inputs.chart, "headlamp");
            assert.strictEqual(r.inputs.version, "0.45.0");
            assert.deepStrictEqual(r.inputs.repositoryOpts, { repo: "https://kubernetes-sigs.github.io/headlamp/" });
            assert.strictEqual(r.inputs.name, "headlamp");
            assert.strictEqual(r.inputs.namespace, "headlamp");
            assert.strictEqual(r.inputs.createNamespace, false);
            assert.deepStrictEqual(r.inputs.values, {
                replicaCount: 1,
                config: { oidc: chartOidcValues("headlamp-oidc", false) },
                clusterRoleBinding: { create: false },
                ingress: {
                    enabled: true,
                    ingressClassName: "traefik",
                    annotations: {},
                    hosts: [{ host: "headlamp.example.com", paths: [{ path: "/", type: "Prefix" }] }],
                },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
                podAnnotations: { "checksum/oidc-secret": h.stateOf(T.trigger, "headlamp-dev-oidc-secret-trigger").hex },
            });
            assert.ok(!allStrings(r.inputs).some((v) => v.includes(SECRET)), "the client secret is nowhere in the release's inputs");
            assert.ok(!isSecretIn(r.rawInputs, "values"), "values are not secret, so their diffs stay visible");
            assert.ok(!JSON.stringify(r.rawInputs).includes(SECRET));
        });

        it("makes the release depend on the Secret (and the namespace)", async () => {
            await build(h, args());
            const r = h.one(T.release);
            assert.ok(r.dependsOn.includes(urnOf(h.one(T.secret))), "release depends on the Secret");
            assert.ok(r.dependsOn.includes(urnOf(h.one(T.namespace))), "release depends on the namespace");
            assert.ok(h.one(T.secret).dependsOn.includes(urnOf(h.one(T.namespace))), "Secret depends on the namespace");
        });

        it("binds OIDC users and prefixed groups to cluster-admin", async () => {
            await build(h, args());
            const b = h.one(T.binding, "headlamp-dev-admins");
            assert.deepStrictEqual(b.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" });
            assert.deepStrictEqual(b.inputs.subjects, [
                { kind: "User", name: "alice@example.com", apiGroup: "rbac.authorization.k8s.io" },
                { kind: "Group", name: "oidc:k8s-admins", apiGroup: "rbac.authorization.k8s.io" },
            ]);
        });

        it("outputs the URL, namespace, release name, Secret name and status", async () => {
            const c = await build(h, args());
            assert.strictEqual(await valueOf(c.url), "https://headlamp.example.com/");
            assert.strictEqual(await valueOf(c.namespace), "headlamp");
            assert.strictEqual(await valueOf(c.releaseName), "headlamp");
            assert.strictEqual(await valueOf(c.secretName), "headlamp-oidc");
            assert.strictEqual(await valueOf(c.status), "deployed");
            assert.strictEqual(await secretOf(c.url), false);
        });
    });

    describe("fully configured", () => {
        const full = (): HeadlampReleaseArgs => args({
            namespace: "dash",
            releaseName: "hl",
            chartVersion: "0.43.0",
            repositoryUrl: "https://charts.example.com/headlamp/",
            ingressClassName: "nginx",
            tls: { secretName: "headlamp-tls", clusterIssuer: "letsencrypt" },
            oidc: {
                clientId: "hl-client",
                clientSecret: pulumi.secret(SECRET),
                issuerUrl: ISSUER,
                scopes: ["profile", "groups"],
                callbackUrl: "https://headlamp.example.com/oidc-callback",
                usePkce: true,
            },
            admins: { users: ["alice@example.com"], groups: ["k8s-admins"] },
            viewers: { users: ["bob@example.com", "carol@example.com"], groups: ["devs"] },
            usernamePrefix: "oidc-user:",
            groupsPrefix: "authentik:",
            resources: { requests: { cpu: "50m", memory: "64Mi" } },
            values: { nodeSelector: { "kubernetes.io/arch": "arm64" }, ingress: { annotations: { "x/y": "z" } }, podAnnotations: { team: "ops" } },
        });

        it("passes every arg through to the Secret, the release and the bindings", async () => {
            await build(h, full());
            const s = h.one(T.secret);
            assert.deepStrictEqual(s.inputs.metadata, { name: "hl-oidc", namespace: "dash" });
            assert.deepStrictEqual(s.inputs.stringData, {
                OIDC_CLIENT_ID: "hl-client",
                OIDC_CLIENT_SECRET: SECRET,
                OIDC_ISSUER_URL: ISSUER,
                OIDC_SCOPES: "profile,groups",
                OIDC_CALLBACK_URL: "https://headlamp.example.com/oidc-callback",
                OIDC_USE_PKCE: "true",
            });
            assert.ok(isSecretIn(s.rawInputs, "stringData"));

            const r = h.one(T.release);
            assert.strictEqual(r.inputs.version, "0.43.0");
            assert.deepStrictEqual(r.inputs.repositoryOpts, { repo: "https://charts.example.com/headlamp/" });
            assert.strictEqual(r.inputs.name, "hl");
            assert.strictEqual(r.inputs.namespace, "dash");
            assert.deepStrictEqual(r.inputs.values, {
                replicaCount: 1,
                config: { oidc: chartOidcValues("hl-oidc", true) },
                clusterRoleBinding: { create: false },
                ingress: {
                    enabled: true,
                    ingressClassName: "nginx",
                    annotations: { "cert-manager.io/cluster-issuer": "letsencrypt", "x/y": "z" },
                    hosts: [{ host: "headlamp.example.com", paths: [{ path: "/", type: "Prefix" }] }],
                    tls: [{ secretName: "headlamp-tls", hosts: ["headlamp.example.com"] }],
                },
                resources: { requests: { cpu: "50m", memory: "64Mi" } },
                podAnnotations: { "checksum/oidc-secret": h.stateOf(T.trigger, "headlamp-dev-oidc-secret-trigger").hex, team: "ops" },
                nodeSelector: { "kubernetes.io/arch": "arm64" },
            });
            assert.ok(!allStrings(r.inputs).some((v) => v.includes(SECRET)));

            assert.deepStrictEqual(h.one(T.binding, "headlamp-dev-admins").inputs.subjects, [
                { kind: "User", name: "oidc-user:alice@example.com", apiGroup: "rbac.authorization.k8s.io" },
                { kind: "Group", name: "authentik:k8s-admins", apiGroup: "rbac.authorization.k8s.io" },
            ]);
            const viewers = h.one(T.binding, "headlamp-dev-viewers");
            assert.deepStrictEqual(viewers.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" });
            assert.deepStrictEqual(viewers.inputs.subjects, [
                { kind: "User", name: "oidc-user:bob@example.com", apiGroup: "rbac.authorization.k8s.io" },
                { kind: "User", name: "oidc-user:carol@example.com", apiGroup: "rbac.authorization.k8s.io" },
                { kind: "Group", name: "authentik:devs", apiGroup: "rbac.authorization.k8s.io" },
            ]);
        });

        it("uses an existing namespace without creating or managing it", async () => {
            await build(h, { ...full(), createNamespace: false });
            assert.strictEqual(h.ofType(T.namespace).length, 0);
            assert.strictEqual(h.one(T.secret).inputs.metadata.namespace, "dash");
            assert.strictEqual(h.one(T.release).inputs.namespace, "dash");
        });

        it("creates only the viewers binding when there are only viewers", async () => {
            await build(h, args({ admins: undefined, viewers: { groups: ["devs"] } }));
            assert.deepStrictEqual(h.ofType(T.binding).map((b) => b.name), ["headlamp-dev-viewers"]);
            assert.deepStrictEqual(warnings, []);
        });
    });

    describe("the restart trigger (checksum/oidc-secret)", () => {
        /** One `pulumi up` of the component against the random provider's stand-in state. */
        async function annotationWith(standIn: ReturnType<typeof randomProviderStandIn>, secret: string, clientId = "headlamp-dev") {
            const hh = await MockHarness.install(standIn);
            await build(hh, args({ oidc: { clientId, clientSecret: pulumi.secret(secret), issuerUrl: ISSUER } }));
            return { h: hh, annotation: hh.one(T.release).inputs.values.podAnnotations["checksum/oidc-secret"] as string };
        }

        it("changes when the client secret (or any Secret value) changes, and only then", async () => {
            const stack = randomProviderStandIn();
            const a = (await annotationWith(stack, SECRET)).annotation;
            const again = (await annotationWith(stack, SECRET)).annotation;
            const b = (await annotationWith(stack, `${SECRET}-rotated`)).annotation;
            const c = (await annotationWith(stack, `${SECRET}-rotated`, "other-client")).annotation;
            const same = (await annotationWith(stack, `${SECRET}-rotated`, "other-client")).annotation;
            assert.match(a, /^[0-9a-f]{32}$/);
            assert.strictEqual(again, a, "unchanged data: the same value, so no restart");
            assert.notStrictEqual(b, a, "a rotated client secret restarts Headlamp");
            assert.notStrictEqual(c, b, "another client id restarts Headlamp");
            assert.strictEqual(same, c);
        });

        it("is not a function of the public data and the client secret: a reader of the pod cannot test guesses", async () => {
            // Two stacks with exactly the same Secret data get unrelated values.
            const one = await annotationWith(randomProviderStandIn(), "Summer2024!");
            const two = await annotationWith(randomProviderStandIn(), "Summer2024!");
            assert.notStrictEqual(one.annotation, two.annotation);
            // The data's hash (what a guess would be tested against) is only in the trigger's keepers,
            // which are a secret input and a secret output (encrypted in the state); nothing plain holds it.
            const data = one.h.one(T.secret).inputs.stringData as Record<string, string>;
            const sum = checksumOf(data);
            const trigger = one.h.one(T.trigger);
            assert.deepStrictEqual(trigger.inputs.keepers, { oidcSecretSha256: sum });
            assert.ok(isSecretIn(trigger.rawInputs, "keepers"), "the keepers are a secret input");
            assert.deepStrictEqual(trigger.additionalSecretOutputs, ["keepers"]);
            assert.strictEqual(trigger.inputs.byteLength, 16);
            for (const r of one.h.resources.filter((x) => x.type !== T.trigger)) {
                assert.ok(!JSON.stringify(r.rawInputs).includes(sum), `${r.type} ${r.name} carries the data's hash`);
            }
            assert.ok(!JSON.stringify(one.h.one(T.release).rawInputs).includes(sum));
        });
    });

    describe("providers and ordering from opts", () => {
        it("sends every child through a provider given as opts.provider", async () => {
            const p = new k8s.Provider("k8s", { kubeconfig: "{}" });
            await build(h, args({ viewers: { users: ["bob@example.com"] } }), { provider: p });
            const prov = h.one(T.provider, "k8s");
            const children = h.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== T.provider);
            assert.strictEqual(children.length, 5);
            for (const r of children) {
                assert.strictEqual(r.provider, `${prov.urn}::k8s-id`, `${r.name} uses the given provider`);
            }
            // The restart trigger is not a Kubernetes resource: it keeps the default random provider.
            assert.strictEqual(h.one(T.trigger).provider, "");
        });

        it("sends every child through a provider given in opts.providers", async () => {
            const p = new k8s.Provider("k8s", {});
            await build(h, args(), { providers: { kubernetes: p } });
            const prov = h.one(T.provider, "k8s");
            for (const r of h.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== T.provider)) {
                assert.strictEqual(r.provider, `${prov.urn}::k8s-id`, `${r.name} uses the given provider`);
            }
        });

        it("makes the release wait for whatever the component depends on (e.g. K3sOidcApiServer's children)", async () => {
            const apiServer = new pulumi.ComponentResource("headlamp-sso:index:K3sOidcApiServer", "oidc", {});
            new k8s.core.v1.ConfigMap("stand-in", {}, { parent: apiServer });
            await build(h, args(), { dependsOn: [apiServer] });
            const child = h.one("kubernetes:core/v1:ConfigMap", "stand-in");
            const release = h.one(T.release);
            assert.ok(release.dependsOn.includes(child.urn), `release waits for the API server: ${release.dependsOn.join(", ")}`);
            assert.ok(release.dependsOn.includes(h.one(T.secret).urn), "and still for the Secret");
            assert.ok(h.one(T.component).dependsOn.includes(child.urn));
        });
    });

    describe("through a Gateway", () => {
        const gateway = { parentRefs: [{ name: "public", namespace: "gateway-system", sectionName: "https" }], annotations: { "example.com/team": "ops" } };

        it("renders the chart's HTTPRoute for the host and no Ingress; the Secret and the OIDC values stay as they are", async () => {
            await build(h, args({ gateway }));
            assert.deepStrictEqual(h.countByType(), { [T.component]: 1, [T.namespace]: 1, [T.secret]: 1, [T.trigger]: 1, [T.binding]: 1, [T.release]: 1 });
            const r = h.one(T.release, "headlamp-dev-release");
            const values = r.inputs.values as Record<string, unknown>;
            assert.deepStrictEqual(values.ingress, { enabled: false });
            assert.deepStrictEqual(values.httpRoute, {
                enabled: true,
                annotations: { "example.com/team": "ops" },
                parentRefs: [{ name: "public", namespace: "gateway-system", sectionName: "https" }],
                hostnames: ["headlamp.example.com"],
            });
            assert.deepStrictEqual((values.config as Record<string, unknown>).oidc, chartOidcValues("headlamp-oidc", false));
            assert.strictEqual(h.one(T.secret).inputs.stringData.OIDC_CALLBACK_URL, "https://headlamp.example.com/oidc-callback");
            assert.ok(!allStrings(r.inputs).some((v) => v.includes(SECRET)));
            assert.ok(!isSecretIn(r.rawInputs, "values"));
        });

        it("refuses tls, ingressClassName and a bad parentRef in one error, before registering anything", async () => {
            const e = await errorOf(() => new HeadlampRelease("hl", args({
                gateway: { parentRefs: [{ name: "Public", sectionName: "HTTPS" }] },
                tls: { secretName: "headlamp-tls" },
                ingressClassName: "traefik",
            })));
            assert.ok(e instanceof pulumi.ResourceError);
            assert.match(e.message, /has 4 invalid input problems/);
            for (const field of ["tls", "ingressClassName", "gateway.parentRefs[0].name", "gateway.parentRefs[0].sectionName"]) {
                assert.ok(e.message.includes(`  - ${field}: `), `${field} listed in:\n${e.message}`);
            }
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
        });
    });

    describe("warnings", () => {
        it("warns when there are no admins and no viewers, and still creates the release without bindings", async () => {
            await build(h, args({ admins: undefined, viewers: { users: [], groups: [] } }));
            assert.strictEqual(warnings.length, 1);
            assert.match(warnings[0], /nobody can act in the Headlamp dashboard until RBAC is granted/);
            assert.strictEqual(h.ofType(T.binding).length, 0);
            assert.strictEqual(h.ofType(T.release).length, 1);
        });
    });

    describe("bad input", () => {
        const cases: [string, Partial<HeadlampReleaseArgs>, RegExp][] = [
            ["replicaCount above 1", { values: { replicaCount: 2 } }, /values\.replicaCount: 2 is not allowed: Headlamp keeps login state/],
            ["chart 0.40.1", { chartVersion: "0.40.1" }, /chartVersion: "0\.40\.1" crash-loops; use "0\.45\.0"/],
            ["chart below 0.43", { chartVersion: "0.42.0" }, /chartVersion: "0\.42\.0" is older than 0\.43\.0/],
            ["host that is not a DNS name", { host: "https://headlamp.example.com/" }, /host: "https:\/\/headlamp\.example\.com\/" is not a DNS name/],
            ["callback URL not on the host", { oidc: { clientId: "c", clientSecret: pulumi.secret(SECRET), issuerUrl: ISSUER, callbackUrl: "https://evil.example.com/oidc-callback" } }, /oidc\.callbackUrl: "https:\/\/evil\.example\.com\/oidc-callback" is not on host "headlamp\.example\.com"/],
            ["issuer URL not https", { oidc: { clientId: "c", clientSecret: SECRET, issuerUrl: "http://auth.example.com/application/o/h/" } }, /oidc\.issuerUrl: "http:\/\/auth\.example\.com\/application\/o\/h\/" must use https/],
            ["empty user name", { admins: { users: [""] } }, /admins\.users\[0\]: must not be empty/],
            ["empty group name", { viewers: { groups: ["devs", ""] } }, /viewers\.groups\[1\]: must not be empty/],
            ["clusterRoleBinding re-enabled in values", { values: { clusterRoleBinding: { create: true } } }, /values\.clusterRoleBinding\.create: true would bind Headlamp's service account to cluster-admin/],
            ["client secret in values", { values: { config: { oidc: { clientSecret: "plain-secret" } } } }, /values\.config\.oidc: must not be set/],
        ];
        for (const [what, overrides, pattern] of cases) {
            it(`rejects ${what} before registering anything`, async () => {
                const e = await errorOf(() => new HeadlampRelease("hl", args(overrides)));
                assert.ok(e instanceof pulumi.ResourceError, "a ResourceError");
                assert.match(e.message, /^HeadlampRelease "hl" has 1 invalid input problem \(nothing was created\):/);
                assert.match(e.message, pattern);
                await h.settle();
                assert.deepStrictEqual(h.resources, [], "nothing registered, not even the component");
            });
        }

        it("lists every problem in one error and never shows the client secret", async () => {
            const e = await errorOf(() => new HeadlampRelease("hl", {
                host: "Headlamp",
                chartVersion: "0.40.1",
                oidc: { clientId: "c", clientSecret: SECRET, issuerUrl: "http://auth", callbackUrl: "https://other.example.com/oidc-callback" },
                admins: { users: [""], groups: [""] },
                values: { replicaCount: 5, config: { oidc: { clientSecret: SECRET } } },
            }));
            assert.match(e.message, /has 7 invalid input problems/);
            for (const field of ["chartVersion", "host", "oidc.issuerUrl", "admins.users[0]", "admins.groups[0]", "values.replicaCount", "values.config.oidc"]) {
                assert.ok(e.message.includes(`  - ${field}: `), `${field} listed in:\n${e.message}`);
            }
            assert.ok(!e.message.includes(SECRET));
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
        });
    });
});
