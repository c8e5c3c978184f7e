// The multi-language schema, as `pulumi package add <this repo>/provider` builds it: the Pulumi
// SDK's own analyzer reads the TypeScript args interfaces and TSDoc through the component package
// folder provider/ (entry found through provider/package.json, like the plugin host does) and must
// accept every type in them. A union, an `unknown` or an undocumented field here is what Python,
// Go, C# and YAML users would hit.
import * as assert from "assert";
import { PackageSpec } from "@pulumi/pulumi/provider/experimental/schema";
import { ComponentProvider, ComponentResourceConstructor, getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";
import * as pulumi from "@pulumi/pulumi";
import { MockHarness, valueOf } from "./harness";
import { COMPONENTS, PROVIDER_DIR, providerName as nameOfProvider } from "./schema";

/** Inputs and outputs each component must expose in the schema (a subset: the ones users wire). */
const EXPECTED: Record<string, { inputs: string[]; required: string[]; outputs: string[] }> = {
    AuthentikOidcApp: {
        inputs: ["authentikUrl", "slug", "redirectUris", "clientSecret", "scopes", "emailVerified", "accessGroups"],
        required: ["authentikUrl", "slug", "redirectUris"],
        outputs: ["clientId", "clientSecret", "issuerUrl", "discoveryUrl", "applicationSlug", "applicationUuid", "providerId"],
    },
    K3sOidcApiServer: {
        inputs: ["servers", "issuerUrl", "clientId", "usernameClaim", "groupsPrefix", "mode", "distribution", "readyTimeoutSeconds"],
        required: ["servers", "issuerUrl", "clientId"],
        outputs: ["dropIn", "dropInPath", "files", "appliedServers", "issuerUrl", "clientId"],
    },
    HeadlampRelease: {
        inputs: ["host", "oidc", "namespace", "chartVersion", "admins", "viewers", "tls"],
        required: ["host", "oidc"],
        outputs: ["url", "namespace", "releaseName", "secretName", "status"],
    },
};

describe("package: multi-language component schema (Pulumi analyzer)", function () {
    this.timeout(120_000);

    let hosted: ComponentResourceConstructor[];
    let providerName: string;
    let exported: string[];
    let provider: ComponentProvider;
    let schema: PackageSpec;

    before(function () {
        // What the plugin host (cmd/run-plugin) does: require the plugin directory (so its
        // package.json main, index.ts, through ts-node) and collect the exported components; the
        // provider is named after package.json's name.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        hosted = getPulumiComponents(require(PROVIDER_DIR));
        exported = hosted.map((c) => c.name).sort();
        providerName = nameOfProvider();
        // The provider the plugin host serves them with (it reads provider/package.json).
        provider = new ComponentProvider({ name: providerName, dirname: PROVIDER_DIR, components: hosted });
    });

    it("the analyzer accepts every args and output type (nothing rejected)", async function () {
        // The plugin host's answer to GetSchema (`pulumi package add`, `package get-schema`):
        // ComponentProvider.getSchema runs the analyzer over provider/package.json and tsconfig.json,
        // which throws on the first type it rejects (a union, `unknown`, an intersection...). The
        // provider keeps the analysis for construct, as in the plugin process.
        schema = JSON.parse(await provider.getSchema()) as PackageSpec;
        assert.deepStrictEqual(Object.keys(schema.resources ?? {}).sort(), COMPONENTS.map((n) => `${providerName}:index:${n}`).sort());
    });

    /** The schema, or a clear failure when the analyzer rejected something (see the test above). */
    function built(): PackageSpec {
        assert.ok(schema, "no schema: the analyzer rejected a type (see the failure above)");
        return schema;
    }

    it("the plugin folder's main exports exactly the three components, served as headlamp-sso", function () {
        assert.deepStrictEqual(exported, [...COMPONENTS].sort());
        assert.strictEqual(providerName, "headlamp-sso");
    });

    it("constructs a component by its type token with engine inputs, as another language's program would", async function () {
        const h = await MockHarness.install();
        const result = await provider.construct("sso", "headlamp-sso:index:AuthentikOidcApp", {
            authentikUrl: "https://auth.example.com",
            slug: "headlamp",
            redirectUris: ["https://headlamp.example.com/oidc-callback"],
        }, {});
        const state = result.state as Record<string, pulumi.Output<string>>;
        assert.strictEqual(await valueOf(state.issuerUrl), "https://auth.example.com/application/o/headlamp/");
        assert.strictEqual(await valueOf(state.clientId), "headlamp");
        await h.settle();
        const component = h.one("headlamp-sso:index:AuthentikOidcApp", "sso");
        assert.strictEqual(h.one("authentik:index/providerOauth2:ProviderOauth2").parent, component.urn);
        assert.strictEqual(h.one("authentik:index/application:Application").parent, component.urn);
        h.assertNoUnknownInvokes();
    });

    it("has every component under its type token, with its description", function () {
        for (const name of COMPONENTS) {
            const token = `headlamp-sso:index:${name}`;
            const resource = built().resources?.[token];
            assert.ok(resource, `schema has no ${token}; it has ${Object.keys(built().resources ?? {}).join(", ")}`);
            assert.ok(resource.isComponent, `${token} is not marked as a component`);
            assert.ok((resource.description ?? "").length > 20, `${token} has no description`);
        }
        assert.strictEqual(built().name, "headlamp-sso");
    });

    for (const name of COMPONENTS) {
        it(`${name}: inputs and outputs are present, and every one is documented`, function () {
            const resource = built().resources[`headlamp-sso:index:${name}`];
            const inputs = resource.inputProperties ?? {};
            const outputs = resource.properties ?? {};
            const want = EXPECTED[name];
            for (const input of want.inputs) {
                assert.ok(inputs[input], `${name} has no input ${input}; it has ${Object.keys(inputs).join(", ")}`);
            }
            for (const input of want.required) {
                assert.ok(resource.requiredInputs?.includes(input), `${name}.${input} should be required`);
            }
            for (const output of want.outputs) {
                assert.ok(outputs[output], `${name} has no output ${output}; it has ${Object.keys(outputs).join(", ")}`);
            }
            const undocumented = [
                ...Object.entries(inputs).filter(([, p]) => !(p.description ?? "").trim()).map(([k]) => `input ${k}`),
                ...Object.entries(outputs).filter(([, p]) => !(p.description ?? "").trim()).map(([k]) => `output ${k}`),
            ];
            assert.deepStrictEqual(undocumented, [], `${name} has undocumented properties`);
        });
    }

    it("nested arg types and string enums are schema types with documented properties", function () {
        const types = built().types ?? {};
        for (const enumName of ["K3sOidcMode", "K3sDistribution", "K3sAuthConfigApiVersion", "K3sServiceManager"]) {
            const t = types[`headlamp-sso:index:${enumName}`];
            assert.ok(t?.enum && t.enum.length >= 2, `${enumName} is not a string enum in the schema`);
            assert.strictEqual(t.type, "string");
        }
        for (const objectName of ["K3sServer", "HeadlampOidcArgs", "HeadlampSubjectsArgs"]) {
            const t = types[`headlamp-sso:index:${objectName}`];
            assert.ok(t?.properties, `${objectName} is not an object type in the schema`);
            const undocumented = Object.entries(t.properties).filter(([, p]) => !(p.description ?? "").trim()).map(([k]) => k);
            assert.deepStrictEqual(undocumented, [], `${objectName} has undocumented properties`);
        }
        const server = types["headlamp-sso:index:K3sServer"];
        assert.ok(server.required?.includes("host"), "K3sServer.host should be required");
    });

    it("depends on no package it cannot name (the bundled Authentik SDK is not referenced in the schema)", function () {
        const names = built().dependencies?.map((d) => d.name) ?? [];
        assert.ok(!names.includes("authentik") && !names.includes("terraform-provider"), `unexpected dependencies: ${names.join(", ")}`);
    });

    it("whole numbers are `number` and no input is marked secret: the analyzer has neither (docs/other-languages.md says so)", function () {
        // The Node.js analyzer maps every TypeScript number to "number" and has no way to mark a
        // property secret. If a newer SDK adds either, this fails: use it for ports, timeouts and
        // privateKey/privateKeyPassword/clientSecret, and update docs/other-languages.md.
        const types = built().types ?? {};
        const resources = built().resources;
        const typeOf = (p: unknown) => (p as { type?: string } | undefined)?.type;
        assert.strictEqual(typeOf(types["headlamp-sso:index:K3sServer"].properties?.port), "number");
        assert.strictEqual(typeOf(resources["headlamp-sso:index:K3sOidcApiServer"].inputProperties?.readyTimeoutSeconds), "number");
        const all: object[] = [
            ...Object.values(types).flatMap((t) => Object.values(t.properties ?? {})),
            ...Object.values(resources).flatMap((r) => [...Object.values(r.inputProperties ?? {}), ...Object.values(r.properties ?? {})]),
        ];
        assert.deepStrictEqual(all.filter((p) => "secret" in p || typeOf(p) === "integer"), []);
    });
});
