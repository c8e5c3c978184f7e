// AuthentikOidcApp under Pulumi mocks: every resource's type and inputs, the invokes, the secret,
// the issuer, the numeric provider reference, the email mapping swap, the access bindings, and
// bad input failing before anything is registered.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as authentik from "@pulumi/authentik";
import { AuthentikOidcApp, AuthentikOidcAppArgs } from "../components";
import { AUTHENTIK_DEFAULTS, EMAIL_VERIFIED_EXPRESSION, MANAGED_SCOPES, validateAuthentikArgs, issuerUrlFor, planScopes, renderRedirectUris } from "../components/authentik/settings";
import { AUTHENTIK_IDS, MockHarness, errorOf, isSecretIn, secretOf, valueOf } from "./harness";

const T = {
    component: "headlamp-sso:index:AuthentikOidcApp",
    provider: "authentik:index/providerOauth2:ProviderOauth2",
    app: "authentik:index/application:Application",
    mapping: "authentik:index/propertyMappingProviderScope:PropertyMappingProviderScope",
    group: "authentik:index/group:Group",
    binding: "authentik:index/policyBinding:PolicyBinding",
    getFlow: "authentik:index/getFlow:getFlow",
    getScopes: "authentik:index/getPropertyMappingProviderScope:getPropertyMappingProviderScope",
    getKeyPair: "authentik:index/getCertificateKeyPair:getCertificateKeyPair",
    getGroup: "authentik:index/getGroup:getGroup",
};

const minimal: AuthentikOidcAppArgs = {
    authentikUrl: "https://auth.example.com",
    slug: "headlamp",
    redirectUris: ["https://headlamp.example.com/oidc-callback"],
};

async function build(h: MockHarness, args: AuthentikOidcAppArgs, opts?: pulumi.ComponentResourceOptions) {
    const app = new AuthentikOidcApp("sso", args, opts);
    const outputs = {
        clientId: await valueOf(app.clientId),
        clientSecret: await valueOf(app.clientSecret),
        issuerUrl: await valueOf(app.issuerUrl),
        discoveryUrl: await valueOf(app.discoveryUrl),
        applicationSlug: await valueOf(app.applicationSlug),
        applicationUuid: await valueOf(app.applicationUuid),
        providerId: await valueOf(app.providerId),
    };
    await h.settle();
    return { app, outputs };
}

describe("AuthentikOidcApp", () => {
    let h: MockHarness;
    beforeEach(async () => {
        h = await MockHarness.install();
    });
    afterEach(() => h.assertNoUnknownInvokes());

    describe("with defaults", () => {
        it("creates the provider, the application and the verified-email mapping, and nothing else", async () => {
            await build(h, minimal);
            assert.deepStrictEqual(h.countByType(), {
                [T.component]: 1,
                [T.mapping]: 1,
                [T.provider]: 1,
                [T.app]: 1,
            });
            const component = h.one(T.component);
            for (const r of h.resources.filter((x) => x.type !== T.component)) {
                assert.strictEqual(r.parent, component.urn, `${r.name} is parented to the component`);
                assert.strictEqual(r.packageRef, "mock-uuid", `${r.name} uses the parameterized package`);
            }
        });

        it("gives the provider every input, with the RS256 key, flows and strict redirects", async () => {
            await build(h, minimal);
            const p = h.one(T.provider, "sso-provider");
            const mapping = h.one(T.mapping);
            assert.deepStrictEqual(p.inputs, {
                name: "headlamp",
                clientId: "headlamp",
                clientType: "confidential",
                authorizationFlow: AUTHENTIK_IDS.flow("default-provider-authorization-explicit-consent"),
                authenticationFlow: AUTHENTIK_IDS.flow("default-authentication-flow"),
                invalidationFlow: AUTHENTIK_IDS.flow("default-provider-invalidation-flow"),
                allowedRedirectUris: [{ matching_mode: "strict", url: "https://headlamp.example.com/oidc-callback", redirect_uri_type: "authorization" }],
                grantTypes: ["authorization_code", "refresh_token"],
                signingKey: AUTHENTIK_IDS.keyPair("authentik Self-signed Certificate"),
                propertyMappings: [
                    AUTHENTIK_IDS.scope(MANAGED_SCOPES.openid),
                    AUTHENTIK_IDS.scope(MANAGED_SCOPES.profile),
                    AUTHENTIK_IDS.scope(MANAGED_SCOPES.offline_access),
                    `mapping-${mapping.name}-uuid`,
                ],
                issuerMode: "per_provider",
                includeClaimsInIdToken: true,
                accessCodeValidity: "minutes=1",
                accessTokenValidity: "minutes=30",
                refreshTokenValidity: "days=30",
            });
            assert.deepStrictEqual(p.additionalSecretOutputs, ["clientSecret"]);
        });

        it("swaps the managed email mapping for one that says email_verified: True", async () => {
            await build(h, minimal);
            const mapping = h.one(T.mapping, "sso-email");
            assert.deepStrictEqual(mapping.inputs, {
                name: "headlamp: email (verified)",
                scopeName: "email",
                description: "Email address",
                expression: EMAIL_VERIFIED_EXPRESSION,
            });
            assert.match(mapping.inputs.expression, /"email_verified": True/);
            assert.match(mapping.inputs.expression, /"email": request\.user\.email/);
            const lookups = h.invokesOf(T.getScopes);
            assert.strictEqual(lookups.length, 1);
            assert.deepStrictEqual(lookups[0].args.managedLists, [MANAGED_SCOPES.openid, MANAGED_SCOPES.profile, MANAGED_SCOPES.offline_access]);
            assert.ok(!lookups[0].args.managedLists.includes(MANAGED_SCOPES.email), "the managed email mapping is not used");
        });

        it("looks up the default flows and the signing key pair", async () => {
            await build(h, minimal);
            assert.deepStrictEqual(h.invokesOf(T.getFlow).map((i) => i.args.slug).sort(), [
                "default-authentication-flow",
                "default-provider-authorization-explicit-consent",
                "default-provider-invalidation-flow",
            ]);
            assert.deepStrictEqual(h.invokesOf(T.getKeyPair).map((i) => i.args), [
                { name: "authentik Self-signed Certificate", fetchCertificate: false, fetchKey: false },
            ]);
            assert.strictEqual(h.invokesOf(T.getGroup).length, 0);
        });

        it("creates the application with a numeric provider reference and Headlamp's icon", async () => {
            const { outputs } = await build(h, minimal);
            const a = h.one(T.app, "sso-app");
            assert.deepStrictEqual(a.inputs, {
                name: "Headlamp",
                slug: "headlamp",
                protocolProvider: Number(outputs.providerId),
                metaIcon: "https://raw.githubusercontent.com/kubernetes-sigs/headlamp/main/frontend/src/resources/logo-light.svg",
                policyEngineMode: "any",
            });
            assert.strictEqual(typeof a.inputs.protocolProvider, "number");
        });

        it("outputs the issuer with a trailing slash, the discovery URL and a secret client secret", async () => {
            const { app, outputs } = await build(h, minimal);
            assert.strictEqual(outputs.issuerUrl, "https://auth.example.com/application/o/headlamp/");
            assert.strictEqual(outputs.discoveryUrl, "https://auth.example.com/application/o/headlamp/.well-known/openid-configuration");
            assert.strictEqual(outputs.clientId, "headlamp");
            assert.strictEqual(outputs.applicationSlug, "headlamp");
            assert.strictEqual(outputs.applicationUuid, "app-headlamp-uuid");
            assert.strictEqual(outputs.clientSecret, "generated-secret-sso-provider", "Authentik's generated secret is passed on");
            assert.strictEqual(await secretOf(app.clientSecret), true);
            assert.strictEqual(await secretOf(app.issuerUrl), false);
        });
    });

    describe("fully configured", () => {
        const full: AuthentikOidcAppArgs = {
            authentikUrl: "https://sso.corp.example/",
            slug: "k8s-dashboard",
            displayName: "Cluster dashboard",
            redirectUris: ["https://dash.corp.example/oidc-callback", "http://localhost:8000"],
            launchUrl: "https://dash.corp.example/",
            icon: "https://cdn.corp.example/headlamp.png",
            authorizationFlow: "default-provider-authorization-implicit-consent",
            authenticationFlow: "corp-login",
            invalidationFlow: "corp-logout",
            signingKeyName: "corp-signing",
            clientId: "dashboard-client",
            clientSecret: pulumi.secret("given-client-secret"),
            accessCodeValidity: "minutes=2",
            accessTokenValidity: "minutes=10",
            refreshTokenValidity: "days=7",
            scopes: ["openid", "email", "profile"],
            grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
            emailVerified: true,
            accessGroups: ["k8s-admins", "k8s-viewers"],
            createAccessGroups: false,
        };

        it("passes every arg through and keeps the given secret secret", async () => {
            const { app, outputs } = await build(h, full);
            const p = h.one(T.provider);
            assert.strictEqual(p.inputs.name, "k8s-dashboard");
            assert.strictEqual(p.inputs.clientId, "dashboard-client");
            assert.strictEqual(p.inputs.clientSecret, "given-client-secret");
            assert.ok(isSecretIn(p.rawInputs, "clientSecret"), "the client secret reaches Authentik as a secret");
            assert.strictEqual(p.inputs.authorizationFlow, AUTHENTIK_IDS.flow("default-provider-authorization-implicit-consent"));
            assert.strictEqual(p.inputs.authenticationFlow, AUTHENTIK_IDS.flow("corp-login"));
            assert.strictEqual(p.inputs.invalidationFlow, AUTHENTIK_IDS.flow("corp-logout"));
            assert.strictEqual(p.inputs.signingKey, AUTHENTIK_IDS.keyPair("corp-signing"));
            assert.deepStrictEqual(p.inputs.allowedRedirectUris, [
                { matching_mode: "strict", url: "https://dash.corp.example/oidc-callback", redirect_uri_type: "authorization" },
                { matching_mode: "strict", url: "http://localhost:8000", redirect_uri_type: "authorization" },
            ]);
            assert.deepStrictEqual(p.inputs.grantTypes, ["authorization_code", "refresh_token", "client_credentials"]);
            assert.deepStrictEqual(
                [p.inputs.accessCodeValidity, p.inputs.accessTokenValidity, p.inputs.refreshTokenValidity],
                ["minutes=2", "minutes=10", "days=7"],
            );
            assert.strictEqual(p.inputs.propertyMappings.length, 3, "openid + profile managed, plus the verified email");
            assert.ok(!p.inputs.propertyMappings.includes(AUTHENTIK_IDS.scope(MANAGED_SCOPES.offline_access)));

            const a = h.one(T.app);
            assert.deepStrictEqual(a.inputs, {
                name: "Cluster dashboard",
                slug: "k8s-dashboard",
                protocolProvider: Number(outputs.providerId),
                metaLaunchUrl: "https://dash.corp.example/",
                metaIcon: "https://cdn.corp.example/headlamp.png",
                policyEngineMode: "any",
            });
            assert.strictEqual(outputs.issuerUrl, "https://sso.corp.example/application/o/k8s-dashboard/", "a trailing slash on the base is not doubled");
            assert.strictEqual(outputs.clientSecret, "given-client-secret");
            assert.strictEqual(await secretOf(app.clientSecret), true);
        });

        it("looks up each access group and binds it to the application's UUID, in order", async () => {
            await build(h, full);
            assert.deepStrictEqual(h.invokesOf(T.getGroup).map((i) => i.args.name), ["k8s-admins", "k8s-viewers"]);
            assert.strictEqual(h.ofType(T.group).length, 0, "no group is created");
            const bindings = h.ofType(T.binding).sort((x, y) => x.inputs.order - y.inputs.order);
            assert.deepStrictEqual(bindings.map((b) => b.inputs), [
                { target: "app-k8s-dashboard-uuid", group: AUTHENTIK_IDS.group("k8s-admins"), order: 0 },
                { target: "app-k8s-dashboard-uuid", group: AUTHENTIK_IDS.group("k8s-viewers"), order: 1 },
            ]);
        });

        it("creates the access groups when asked and binds the created ones", async () => {
            await build(h, { ...full, createAccessGroups: true });
            assert.strictEqual(h.invokesOf(T.getGroup).length, 0, "nothing is looked up");
            assert.deepStrictEqual(h.ofType(T.group).map((g) => g.inputs).sort((x, y) => x.name.localeCompare(y.name)), [
                { name: "k8s-admins" },
                { name: "k8s-viewers" },
            ]);
            assert.deepStrictEqual(h.ofType(T.binding).map((b) => b.inputs.group).sort(), [
                "group-k8s-admins-uuid",
                "group-k8s-viewers-uuid",
            ]);
        });

        it("uses the managed email mapping when emailVerified is false", async () => {
            await build(h, { ...minimal, emailVerified: false });
            assert.strictEqual(h.ofType(T.mapping).length, 0);
            assert.deepStrictEqual(h.invokesOf(T.getScopes)[0].args.managedLists, Object.values(MANAGED_SCOPES));
            assert.strictEqual(h.one(T.provider).inputs.propertyMappings.length, 4);
        });

        it("sends every resource and invoke through an explicit Authentik provider", async () => {
            const ak = new authentik.Provider("ak", { url: "https://auth.example.com", token: "t" });
            await build(h, full, { providers: { authentik: ak } });
            const providerRef = `${await valueOf(ak.urn)}::${await valueOf(ak.id)}`;
            for (const r of h.resources.filter((x) => x.custom && x.type.startsWith("authentik:index"))) {
                assert.strictEqual(r.provider, providerRef, `${r.type} uses the given provider`);
            }
            for (const i of h.invokes) {
                assert.strictEqual(i.provider, providerRef, `${i.token} uses the given provider`);
            }
        });
    });

    describe("bad input", () => {
        const cases: [string, Partial<AuthentikOidcAppArgs> | Record<string, unknown>, RegExp][] = [
            ["non-https URL", { authentikUrl: "http://auth.example.com" }, /authentikUrl: "http:\/\/auth\.example\.com" must use https/],
            ["URL with a path", { authentikUrl: "https://auth.example.com/if/flow" }, /authentikUrl: .* without a path, query or fragment; use "https:\/\/auth\.example\.com"/],
            ["URL with a query", { authentikUrl: "https://auth.example.com/?x=1" }, /authentikUrl: .* without a path, query or fragment/],
            ["not a URL", { authentikUrl: "auth.example.com" }, /authentikUrl: "auth\.example\.com" is not an absolute URL/],
            ["invalid slug", { slug: "head lamp!" }, /slug: "head lamp!" is not a valid slug/],
            ["relative redirect URI", { redirectUris: ["/oidc-callback"] }, /redirectUris\[0\]: "\/oidc-callback" is not an absolute URL/],
            ["http redirect URI", { redirectUris: ["http://headlamp.example.com/oidc-callback"] }, /redirectUris\[0\]: .* must use https \(only http:\/\/localhost/],
            ["no redirect URIs", { redirectUris: [] }, /redirectUris: must list at least one URI/],
            ["empty scopes", { scopes: [] }, /scopes: must not be empty/],
            ["unknown scope", { scopes: ["openid", "groups"] }, /scopes: "groups" is not a scope Authentik provides/],
            ["scopes without openid", { scopes: ["email"] }, /scopes: must include "openid"/],
            ["bad flow slug", { authorizationFlow: "my flow" }, /authorizationFlow: "my flow" is not a valid slug/],
            ["bad invalidation flow", { invalidationFlow: "" }, /invalidationFlow: "" is not a valid slug/],
            ["bad validity", { accessTokenValidity: "30m" }, /accessTokenValidity: "30m" is not an Authentik duration/],
            ["empty signing key name", { signingKeyName: " " }, /signingKeyName: must not be empty/],
            ["empty access group", { accessGroups: [""] }, /accessGroups\[0\]: must not be empty/],
            ["create without groups", { createAccessGroups: true }, /createAccessGroups: is true but accessGroups is empty/],
            ["missing URL", { authentikUrl: undefined }, /authentikUrl: is required/],
            ["no grant types", { grantTypes: [] }, /grantTypes: must not be empty: Authentik then refuses every login/],
            ["grant types without the code flow", { grantTypes: ["refresh_token"] }, /grantTypes: \["refresh_token"\] lacks "authorization_code"/],
            ["a bad grant type", { grantTypes: ["authorization_code", "refresh token"] }, /grantTypes\[1\]: "refresh token" is not a grant type name/],
            ["a repeated grant type", { grantTypes: ["authorization_code", "authorization_code"] }, /grantTypes: .* lists a grant type twice/],
        ];
        for (const [what, patch, pattern] of cases) {
            it(`rejects ${what} before registering anything`, async () => {
                const err = await errorOf(() => new AuthentikOidcApp("sso", { ...minimal, ...patch }));
                assert.ok(pulumi.ResourceError.isInstance(err), "a ResourceError");
                assert.match(err.message, pattern);
                assert.match(err.message, /^AuthentikOidcApp "sso" has 1 invalid input problem \(nothing was created\)/);
                await h.settle();
                assert.deepStrictEqual(h.resources, []);
                assert.deepStrictEqual(h.invokes, []);
            });
        }

        it("lists every problem in one error", async () => {
            const err = await errorOf(() => new AuthentikOidcApp("sso", {
                authentikUrl: "http://auth.example.com/path",
                slug: "bad slug",
                redirectUris: ["ftp://x"],
                scopes: [],
                authenticationFlow: "no/slash",
            }));
            for (const field of ["authentikUrl", "slug", "redirectUris[0]", "scopes", "authenticationFlow"]) {
                assert.ok(err.message.includes(`  - ${field}: `), `names ${field}`);
            }
            assert.match(err.message, /has 6 invalid input problems/);
        });

        it("never echoes the client secret", async () => {
            const err = await errorOf(() => new AuthentikOidcApp("sso", { ...minimal, clientSecret: "   ", slug: "x y" }));
            assert.match(err.message, /clientSecret: must not be empty; leave it unset/);
            assert.ok(!err.message.includes('"   "'));
        });
    });
});

describe("Authentik settings (pure)", () => {
    it("sends each redirect URI with every key the provider reads back, so updates show no diff", () => {
        assert.deepStrictEqual(renderRedirectUris(["https://h.example/oidc-callback", "http://localhost:8000"]), [
            { matching_mode: "strict", url: "https://h.example/oidc-callback", redirect_uri_type: "authorization" },
            { matching_mode: "strict", url: "http://localhost:8000", redirect_uri_type: "authorization" },
        ]);
    });

    it("pins the grant types Headlamp and kubelogin use", () => {
        assert.deepStrictEqual(AUTHENTIK_DEFAULTS.grantTypes, ["authorization_code", "refresh_token"]);
    });

    it("builds the issuer from the base URL and slug", () => {
        assert.strictEqual(issuerUrlFor("https://a.example", "h"), "https://a.example/application/o/h/");
        assert.strictEqual(issuerUrlFor("https://a.example//", "h"), "https://a.example/application/o/h/");
    });

    it("plans the custom email mapping only when email is requested", () => {
        assert.deepStrictEqual(planScopes(["openid", "email"], true), { managed: [MANAGED_SCOPES.openid], customEmail: true });
        assert.deepStrictEqual(planScopes(["openid", "profile"], true), { managed: [MANAGED_SCOPES.openid, MANAGED_SCOPES.profile], customEmail: false });
        assert.deepStrictEqual(planScopes(["openid", "email"], false), { managed: [MANAGED_SCOPES.openid, MANAGED_SCOPES.email], customEmail: false });
    });

    it("accepts loopback http redirects for kubelogin and Outputs it cannot check yet", () => {
        const problems = validateAuthentikArgs({
            authentikUrl: pulumi.output("http://not-checked-yet"),
            slug: pulumi.output("x"),
            redirectUris: ["http://localhost:8000", "http://127.0.0.1:18000/", "https://h.example/oidc-callback"],
        });
        assert.deepStrictEqual(problems.list, []);
    });
});
