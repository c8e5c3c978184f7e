// The multi-language schema, as `pulumi package add <this repo>/provider` builds it: the Pulumi
// SDK's own analyzer reads the TypeScript args interfaces and TSDoc through the component package
// folder provider/ (entry found through provider/package.json, like the plugin host does) and must
// accept every type in them. A union, an `unknown` or an undocumented field here is what Python,
// Go, C# and YAML users would hit.
import * as assert from "assert";
import { PackageSpec } from "@pulumi/pulumi/provider/experimental/schema";
import { ComponentProvider, ComponentResourceConstructor, getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";
import * as pulumi from "@pulumi/pulumi";
import { NOT_SECRET, SECRET_NAME } from "../components/secrets";
import { markSecrets, SchemaProperty } from "../provider/schema";
import { MockHarness, isSecretIn, valueOf } from "./harness";
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

    it("whole numbers are `number`: the analyzer has no integer type (docs/other-languages.md says so)", function () {
        // The Node.js analyzer maps every TypeScript number to "number". If a newer SDK adds
        // integers, this fails: use them for ports and timeouts, and update
        // docs/other-languages.md.
        const types = built().types ?? {};
        const resources = built().resources;
        const typeOf = (p: unknown) => (p as { type?: string } | undefined)?.type;
        assert.strictEqual(typeOf(types["headlamp-sso:index:K3sServer"].properties?.port), "number");
        assert.strictEqual(typeOf(resources["headlamp-sso:index:K3sOidcApiServer"].inputProperties?.readyTimeoutSeconds), "number");
        assert.deepStrictEqual(schemaProperties(built()).filter(({ property }) => typeOf(property) === "integer").map(({ path }) => path), []);
    });

    it("the served schema marks exactly the secret inputs and outputs `secret: true`", function () {
        // What generated SDKs in every language and the registry's docs take secretness from
        // (the analyzer marks nothing; provider/index.ts marks components/secrets.ts's table).
        const secret = schemaProperties(built()).filter(({ property }) => property.secret === true).map(({ path }) => path);
        assert.deepStrictEqual(secret.sort(), [
            "AuthentikOidcApp input clientSecret",
            "AuthentikOidcApp output clientSecret",
            "HeadlampOidcArgs clientSecret",
            "K3sServer privateKey",
            "K3sServer privateKeyPassword",
            "ProxyConnectionArgs password",
            "ProxyConnectionArgs privateKey",
            "ProxyConnectionArgs privateKeyPassword",
        ]);
    });

    it("every property whose name looks secret is marked secret, or listed in NOT_SECRET with its reason", function () {
        // A new secret arg (say an `apiToken`) left out of SECRET_PROPERTIES fails here.
        const unmarked = schemaProperties(built())
            .filter(({ owner, name, property }) => SECRET_NAME.test(name) && property.secret !== true && !(`${owner}.${name}` in NOT_SECRET))
            .map(({ path }) => path);
        assert.deepStrictEqual(unmarked, [], "add these to SECRET_PROPERTIES (or, when not secret, to NOT_SECRET with the reason) in components/secrets.ts");
        const stale = Object.keys(NOT_SECRET).filter((key) => !schemaProperties(built()).some(({ owner, name }) => `${owner}.${name}` === key));
        assert.deepStrictEqual(stale, [], "NOT_SECRET names properties the schema no longer has");
    });

    it("markSecrets refuses a table entry the schema lacks, naming it and the file to fix", function () {
        assert.throws(() => markSecrets(built(), { K3sServer: ["privateKey", "sshKey"], Nowhere: ["token"] }),
            /the schema has no K3sServer\.sshKey, Nowhere\.token; update SECRET_PROPERTIES in components\/secrets\.ts/);
        assert.strictEqual(markSecrets(built()).resources["headlamp-sso:index:AuthentikOidcApp"].inputProperties?.clientSecret?.description,
            built().resources["headlamp-sso:index:AuthentikOidcApp"].inputProperties?.clientSecret?.description, "marking keeps the description");
    });

    describe("a plain secret sent through the component provider is stored nowhere (each component registers itself with no inputs)", function () {
        // A remote component's inputs are recorded in the state as the consumer sent them; what
        // keeps a plain secret from another language's program out of the state is that each
        // component registers itself with `{}` and wraps secrets before its children see them.
        const PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nplain-ssh-key-0123456789\n-----END OPENSSH PRIVATE KEY-----\n";
        const SECRETS = [PEM, "plain-key-passphrase-42", "plain-proxy-password-42", "plain-client-secret-0123456789"];
        const CASES: Record<string, Record<string, unknown>> = {
            AuthentikOidcApp: {
                authentikUrl: "https://auth.example.com",
                slug: "headlamp",
                redirectUris: ["https://headlamp.example.com/oidc-callback"],
                clientSecret: SECRETS[3],
            },
            K3sOidcApiServer: {
                servers: [{
                    host: "k3s-1.example.lan",
                    privateKey: PEM,
                    privateKeyPassword: SECRETS[1],
                    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB",
                    proxy: { host: "bastion.example.lan", user: "jump", password: SECRETS[2], privateKey: PEM, privateKeyPassword: SECRETS[1] },
                }],
                issuerUrl: "https://auth.example.com/application/o/headlamp/",
                clientId: "headlamp",
            },
            HeadlampRelease: {
                host: "headlamp.example.com",
                oidc: { clientId: "headlamp", clientSecret: SECRETS[3], issuerUrl: "https://auth.example.com/application/o/headlamp/" },
                admins: { users: ["alice@example.com"] },
            },
        };

        for (const [component, inputs] of Object.entries(CASES)) {
            it(`${component}`, async function () {
                const h = await MockHarness.install();
                await provider.construct("c", `headlamp-sso:index:${component}`, inputs, {});
                await h.settle();
                assert.deepStrictEqual(h.one(`headlamp-sso:index:${component}`, "c").rawInputs, {}, "the component registers itself with inputs");
                assert.ok(h.resources.length > 1, "the component registered no children");
                const leaked = h.resources.flatMap((r) => plainStrings(r.rawInputs)
                    .filter((text) => SECRETS.some((secret) => text.includes(secret)))
                    .map(() => `${r.type} ${r.name}`));
                assert.deepStrictEqual(leaked, [], "a registration carries a secret given as plain text outside a secret");
                h.assertNoUnknownInvokes();
            });
        }
    });
});

/** Every property of a schema: the components' inputs and outputs and the object types' properties. */
function schemaProperties(schema: PackageSpec): Array<{ owner: string; name: string; path: string; property: SchemaProperty }> {
    const short = (token: string) => token.split(":").pop()!;
    return [
        ...Object.entries(schema.resources).flatMap(([token, r]) => [
            ...Object.entries(r.inputProperties ?? {}).map(([name, property]) => ({ owner: short(token), name, path: `${short(token)} input ${name}`, property })),
            ...Object.entries(r.properties ?? {}).map(([name, property]) => ({ owner: short(token), name, path: `${short(token)} output ${name}`, property })),
        ]),
        ...Object.entries(schema.types ?? {}).flatMap(([token, t]) =>
            Object.entries(t.properties ?? {}).map(([name, property]) => ({ owner: short(token), name, path: `${short(token)} ${name}`, property }))),
    ];
}

/** Every string in a serialized property map outside a value marked secret. */
function plainStrings(raw: unknown): string[] {
    if (typeof raw === "string") {
        return [raw];
    }
    if (Array.isArray(raw)) {
        return raw.flatMap(plainStrings);
    }
    if (raw && typeof raw === "object") {
        if (isSecretIn(raw, "")) {
            return [];
        }
        return Object.values(raw).flatMap(plainStrings);
    }
    return [];
}
