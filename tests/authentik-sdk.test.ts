// The local @pulumi/authentik SDK keeps the generated SDK's surface: type tokens, property names,
// secret outputs and the parameterized package registration.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as authentik from "@pulumi/authentik";
import { AUTHENTIK_TERRAFORM_PROVIDER } from "../components/authentik/terraform-provider";
import { MockHarness, isSecretIn, secretOf, valueOf } from "./harness";

const VERSION = AUTHENTIK_TERRAFORM_PROVIDER.version;
const PARAMETER = JSON.stringify({ remote: { url: "registry.opentofu.org/goauthentik/authentik", version: VERSION } });

describe("local @pulumi/authentik SDK", () => {
    let h: MockHarness;
    beforeEach(async () => {
        h = await MockHarness.install();
    });
    afterEach(() => h.assertNoUnknownInvokes());

    it("declares the parameterization in package.json as pulumi package add writes it", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "sdks", "authentik", "package.json"), "utf8"));
        assert.strictEqual(pkg.name, "@pulumi/authentik");
        assert.deepStrictEqual(
            { ...pkg.pulumi, parameterization: { ...pkg.pulumi.parameterization, value: undefined } },
            { resource: true, name: "terraform-provider", version: "0.14.0", parameterization: { name: "authentik", version: VERSION, value: undefined } },
        );
        assert.strictEqual(Buffer.from(pkg.pulumi.parameterization.value, "base64").toString("utf8"), PARAMETER);
        assert.strictEqual(pkg.scripts.postinstall, undefined, "no install script");
        assert.strictEqual(pkg.scripts.install, undefined, "no install script");
    });

    it("registers the parameterized package and passes its ref with every resource and invoke", async () => {
        const flow = authentik.getFlowOutput({ slug: "default-provider-invalidation-flow" });
        const provider = new authentik.ProviderOauth2("p", {
            name: "headlamp",
            clientId: "headlamp",
            clientSecret: "s3cret",
            authorizationFlow: flow.id,
            invalidationFlow: flow.id,
            allowedRedirectUris: [{ matching_mode: "strict", url: "https://h.example.com/oidc-callback", redirect_uri_type: "authorization" }],
        });
        new authentik.Application("a", { name: "Headlamp", slug: "headlamp", protocolProvider: provider.providerOauth2Id.apply(Number) });
        await valueOf(provider.clientSecret);
        await h.settle();

        assert.deepStrictEqual(h.packages[0], {
            baseProviderName: "terraform-provider",
            baseProviderVersion: "0.14.0",
            name: "authentik",
            version: VERSION,
            parameter: PARAMETER,
        });
        const p = h.one("authentik:index/providerOauth2:ProviderOauth2");
        const a = h.one("authentik:index/application:Application");
        assert.strictEqual(p.packageRef, "mock-uuid");
        assert.strictEqual(a.packageRef, "mock-uuid");
        assert.strictEqual(h.invokesOf("authentik:index/getFlow:getFlow")[0].packageRef, "mock-uuid");
        assert.deepStrictEqual(p.additionalSecretOutputs, ["clientSecret"]);
        assert.ok(isSecretIn(p.rawInputs, "clientSecret"), "clientSecret input is secret");
        assert.deepStrictEqual(p.inputs.allowedRedirectUris, [{ matching_mode: "strict", url: "https://h.example.com/oidc-callback", redirect_uri_type: "authorization" }]);
        assert.strictEqual(a.inputs.protocolProvider, Number(await valueOf(provider.providerOauth2Id)));
        assert.strictEqual(await secretOf(provider.clientSecret), true);
    });

    it("registers the provider as pulumi:providers:authentik with a secret token", async () => {
        const prov = new authentik.Provider("ak", { url: "https://auth.example.com", token: "tok" });
        await valueOf(prov.urn);
        await h.settle();
        const r = h.one("pulumi:providers:authentik");
        assert.strictEqual(r.inputs.url, "https://auth.example.com");
        assert.ok(isSecretIn(r.rawInputs, "token"));
        assert.strictEqual(r.packageRef, "mock-uuid");
    });

    it("keeps the token secret in the provider's inputs when it comes from AUTHENTIK_TOKEN (no token arg)", async () => {
        const saved = process.env.AUTHENTIK_TOKEN;
        process.env.AUTHENTIK_TOKEN = "env-token-value";
        try {
            const prov = new authentik.Provider("ak-env", { url: "https://auth.example.com" });
            await valueOf(prov.urn);
            await h.settle();
        } finally {
            if (saved === undefined) {
                delete process.env.AUTHENTIK_TOKEN;
            } else {
                process.env.AUTHENTIK_TOKEN = saved;
            }
        }
        const r = h.one("pulumi:providers:authentik");
        assert.strictEqual(r.inputs.token, "env-token-value", "the env fallback is used");
        assert.ok(isSecretIn(r.rawInputs, "token"), "a token from the environment is a secret in the state's inputs");
    });

    it("offers each invoke as a promise and as an Output with the generated tokens", async () => {
        const kp = await authentik.getCertificateKeyPair({ name: "authentik Self-signed Certificate" });
        const scopes = await valueOf(authentik.getPropertyMappingProviderScopeOutput({ managedLists: ["goauthentik.io/providers/oauth2/scope-openid"] }));
        const group = await valueOf(authentik.getGroupOutput({ name: "admins" }));
        await authentik.getGroup({ name: "x" });
        await valueOf(authentik.getCertificateKeyPairOutput({ name: "k" }).id);
        await authentik.getPropertyMappingProviderScope({ managedLists: [] });
        await authentik.getFlow({ slug: "f" });
        assert.ok(kp.id && scopes.ids.length === 1 && group.id);
        assert.deepStrictEqual([...new Set(h.invokes.map((i) => i.token))].sort(), [
            "authentik:index/getCertificateKeyPair:getCertificateKeyPair",
            "authentik:index/getFlow:getFlow",
            "authentik:index/getGroup:getGroup",
            "authentik:index/getPropertyMappingProviderScope:getPropertyMappingProviderScope",
        ]);
    });

    it("fails a test that reaches an invoke the harness does not know", async () => {
        const out = pulumi.runtime.invokeOutput("authentik:index/getUser:getUser", { username: "x" });
        await new Promise<void>((resolve) => {
            out.apply(() => resolve());
            setTimeout(resolve, 200);
        }).catch(() => undefined);
        await h.settle();
        assert.deepStrictEqual(h.unknownInvokes, ["authentik:index/getUser:getUser"]);
        assert.throws(() => h.assertNoUnknownInvokes(), /unmocked invokes: authentik:index\/getUser:getUser/);
        h.unknownInvokes.length = 0;
    });
});
