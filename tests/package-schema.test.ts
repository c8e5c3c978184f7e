// The multi-language schema, as `pulumi package add <this repo>` builds it: the Pulumi SDK's own
// analyzer reads the TypeScript args interfaces and TSDoc from this repository (entry found through
// package.json, like the plugin host does) and must accept every type in them. A union, an
// `unknown` or an undocumented field here is what Python, Go, C# and YAML users would hit.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Analyzer, AnalyzeResult } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema, PackageSpec } from "@pulumi/pulumi/provider/experimental/schema";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";

const ROOT = path.resolve(__dirname, "..");
const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    name: string;
    version: string;
    description: string;
    main: string;
};
const COMPONENTS = ["AuthentikOidcApp", "K3sOidcApiServer", "HeadlampRelease"];

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

    let exported: string[];
    let analysis: AnalyzeResult;
    let schema: PackageSpec;

    before(function () {
        // What the plugin host does: load package.json's main and collect the exported components.
        // (`npm test` builds the library first, in pretest.)
        const main = path.join(ROOT, PACKAGE_JSON.main);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        exported = getPulumiComponents(require(main)).map((c) => c.name).sort();
        // What ComponentProvider.getSchema does, with the real package.json: the analyzer throws
        // on the first type it rejects.
        analysis = new Analyzer(ROOT, PACKAGE_JSON.name, PACKAGE_JSON, new Set(exported)).analyze();
        schema = generateSchema(PACKAGE_JSON.name, PACKAGE_JSON.version, PACKAGE_JSON.description,
            analysis.components, analysis.typeDefinitions, analysis.dependencies);
    });

    it("the package's main exports exactly the three components", function () {
        assert.deepStrictEqual(exported, [...COMPONENTS].sort());
    });

    it("has every component under its type token, with its description", function () {
        for (const name of COMPONENTS) {
            const token = `headlamp-sso:index:${name}`;
            const resource = schema.resources?.[token];
            assert.ok(resource, `schema has no ${token}; it has ${Object.keys(schema.resources ?? {}).join(", ")}`);
            assert.ok(resource.isComponent, `${token} is not marked as a component`);
            assert.ok((resource.description ?? "").length > 20, `${token} has no description`);
        }
        assert.strictEqual(schema.name, "headlamp-sso");
    });

    for (const name of COMPONENTS) {
        it(`${name}: inputs and outputs are present, and every one is documented`, function () {
            const resource = schema.resources[`headlamp-sso:index:${name}`];
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
        const types = schema.types ?? {};
        for (const enumName of ["K3sOidcMode", "K3sDistribution", "K3sAuthConfigApiVersion"]) {
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
        const names = analysis.dependencies.map((d) => d.name);
        assert.ok(!names.includes("authentik") && !names.includes("terraform-provider"), `unexpected dependencies: ${names.join(", ")}`);
    });
});
