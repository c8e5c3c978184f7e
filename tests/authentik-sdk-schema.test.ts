// The local @pulumi/authentik subset against the provider's own schema: every property the subset
// declares must have the name, type, required-ness and secrecy the generated SDK would give it.
// The schema excerpt (tests/fixtures/authentik-provider-schema-2026.5.excerpt.json, with its origin
// inside) is the provider's; the rules that turn it into TypeScript are the bridge's and the
// Node.js code generator's:
// - an attribute is an input when it is optional or required; it is a required input when the
//   schema says required, except a resource's string `name`, which the dynamic bridge auto-names
//   (tfbridge SetAutonaming), and provider config, which the generated SDK takes from config or
//   the environment (the SDK `pulumi package add` generates for this provider declares every
//   ProviderArgs member optional);
// - every attribute is an output; it may be undefined when optional and neither computed nor
//   auto-named;
// - types: string, number, bool -> string, number, boolean; list(T) -> T[]; map(T) -> {[key]: T};
//   the subset may name a map(string)'s keys in an interface whose members are all strings;
// - a sensitive input is wrapped in pulumi.secret, and a sensitive output is listed in
//   additionalSecretOutputs (resources; the provider resource's outputs are its string config).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as authentik from "@pulumi/authentik";
import { MockHarness, isSecretIn, valueOf } from "./harness";

type TfType = string | [string, TfType];

interface TfAttribute {
    pulumi: string;
    type: TfType;
    required?: boolean;
    optional?: boolean;
    computed?: boolean;
    sensitive?: boolean;
}

type TfBlock = Record<string, TfAttribute>;

interface SchemaExcerpt {
    provider: TfBlock;
    resources: Record<string, TfBlock>;
    dataSources: Record<string, TfBlock>;
}

const SCHEMA: SchemaExcerpt = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "authentik-provider-schema-2026.5.excerpt.json"), "utf8"));
const SDK_DIR = path.join(__dirname, "..", "sdks", "authentik");

/** The subset's resources and invokes, with their Terraform names. */
const RESOURCES = [
    { tf: "authentik_provider_oauth2", file: "providerOauth2.ts", cls: "ProviderOauth2" },
    { tf: "authentik_application", file: "application.ts", cls: "Application" },
    { tf: "authentik_property_mapping_provider_scope", file: "propertyMappingProviderScope.ts", cls: "PropertyMappingProviderScope" },
    { tf: "authentik_group", file: "group.ts", cls: "Group" },
    { tf: "authentik_policy_binding", file: "policyBinding.ts", cls: "PolicyBinding" },
];
const DATA_SOURCES = [
    { tf: "authentik_flow", file: "getFlow.ts", fn: "GetFlow" },
    { tf: "authentik_property_mapping_provider_scope", file: "getPropertyMappingProviderScope.ts", fn: "GetPropertyMappingProviderScope" },
    { tf: "authentik_certificate_key_pair", file: "getCertificateKeyPair.ts", fn: "GetCertificateKeyPair" },
    { tf: "authentik_group", file: "getGroup.ts", fn: "GetGroup" },
];

/** One declared property: its normalized type and whether it may be left out / be undefined. */
interface Declared {
    type: TfType;
    optional: boolean;
}

function parse(file: string, text?: string): ts.SourceFile {
    const full = path.join(SDK_DIR, file);
    return ts.createSourceFile(full, text ?? fs.readFileSync(full, "utf8"), ts.ScriptTarget.ES2020, true);
}

const TYPE_FILES: Record<string, ts.SourceFile> = {};
function typeFile(ns: string): ts.SourceFile {
    const file = ns === "inputs" ? "types/input.ts" : "types/output.ts";
    TYPE_FILES[file] ??= parse(file);
    return TYPE_FILES[file];
}

function findInterface(sf: ts.SourceFile, name: string): ts.InterfaceDeclaration | undefined {
    return sf.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
}

/** A TypeScript type as a Terraform type, and whether it admits undefined. */
function normalize(node: ts.TypeNode): { type: TfType; undef: boolean } {
    if (ts.isParenthesizedTypeNode(node)) {
        return normalize(node.type);
    }
    if (ts.isUnionTypeNode(node)) {
        const rest = node.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword);
        assert.strictEqual(rest.length, 1, `unsupported union ${node.getText()}`);
        return { type: normalize(rest[0]).type, undef: rest.length !== node.types.length };
    }
    if (ts.isArrayTypeNode(node)) {
        return { type: ["list", normalize(node.elementType).type], undef: false };
    }
    if (ts.isTypeLiteralNode(node)) {
        const sig = node.members.find(ts.isIndexSignatureDeclaration);
        assert.ok(sig && node.members.length === 1, `unsupported object type ${node.getText()}`);
        return { type: ["map", normalize(sig.type).type], undef: false };
    }
    if (ts.isTypeReferenceNode(node)) {
        const name = node.typeName.getText();
        if (name === "pulumi.Input" || name === "pulumi.Output") {
            return normalize(node.typeArguments![0]);
        }
        const [ns, local] = name.split(".");
        if ((ns === "inputs" || ns === "outputs") && local) {
            // A map(string) whose keys the subset names: every member must have one element type.
            const decl = findInterface(typeFile(ns), local);
            assert.ok(decl, `no interface ${name}`);
            const members = decl.members.filter(ts.isPropertySignature).map((m) => normalize(m.type!).type);
            const distinct = [...new Set(members.map((m) => JSON.stringify(m)))];
            assert.strictEqual(distinct.length, 1, `${name} is not a map: its members have types ${distinct.join(", ")}`);
            return { type: ["map", members[0]], undef: false };
        }
    }
    switch (node.kind) {
        case ts.SyntaxKind.StringKeyword:
            return { type: "string", undef: false };
        case ts.SyntaxKind.NumberKeyword:
            return { type: "number", undef: false };
        case ts.SyntaxKind.BooleanKeyword:
            return { type: "bool", undef: false };
        default:
            throw new Error(`unsupported type ${node.getText()}`);
    }
}

/** The members of an interface (`?` = optional) or the public outputs of a class (`| undefined` = optional). */
export function declaredIn(sf: ts.SourceFile, name: string): Map<string, Declared> {
    const out = new Map<string, Declared>();
    const iface = findInterface(sf, name);
    if (iface) {
        for (const m of iface.members.filter(ts.isPropertySignature)) {
            const n = normalize(m.type!);
            out.set(m.name.getText(), { type: n.type, optional: !!m.questionToken || n.undef });
        }
        return out;
    }
    const cls = sf.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name);
    assert.ok(cls, `no interface or class ${name} in ${sf.fileName}`);
    for (const m of cls.members.filter(ts.isPropertyDeclaration)) {
        const mods = ts.getModifiers(m) ?? [];
        if (mods.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) || !mods.some((x) => x.kind === ts.SyntaxKind.PublicKeyword)) {
            continue;
        }
        const n = normalize(m.type!);
        out.set(m.name.getText(), { type: n.type, optional: n.undef });
    }
    return out;
}

type Role = "resourceArgs" | "resourceState" | "resourceOutputs" | "providerArgs" | "invokeArgs" | "invokeResult";

function autoNamed(role: Role, tfName: string, attr: TfAttribute): boolean {
    return role.startsWith("resource") && tfName === "name" && attr.type === "string";
}

/** What the generated SDK declares for `attr` in `role`: undefined when it is not there at all. */
function expected(role: Role, tfName: string, attr: TfAttribute): Declared | undefined {
    const input = !!(attr.optional || attr.required);
    switch (role) {
        case "resourceArgs":
        case "invokeArgs":
            return input ? { type: attr.type, optional: !attr.required || autoNamed(role, tfName, attr) } : undefined;
        case "providerArgs":
            return input ? { type: attr.type, optional: true } : undefined;
        case "resourceState":
            return { type: attr.type, optional: true };
        case "resourceOutputs":
        case "invokeResult":
            return { type: attr.type, optional: !!attr.optional && !attr.computed && !autoNamed(role, tfName, attr) };
    }
}

/**
 * Every way the declared properties depart from the schema: an unknown name, another type,
 * another required-ness, and a required input the subset leaves out.
 */
export function departures(where: string, role: Role, block: TfBlock, declared: Map<string, Declared>): string[] {
    const byPulumi = new Map(Object.entries(block).map(([tf, attr]) => [attr.pulumi, { tf, attr }]));
    const problems: string[] = [];
    for (const [name, d] of declared) {
        const found = byPulumi.get(name);
        const want = found && expected(role, found.tf, found.attr);
        if (!found || !want) {
            problems.push(`${where}.${name}: not a property of the provider schema here`);
            continue;
        }
        if (JSON.stringify(d.type) !== JSON.stringify(want.type)) {
            problems.push(`${where}.${name}: type ${JSON.stringify(d.type)}, schema ${JSON.stringify(want.type)}`);
        }
        if (d.optional !== want.optional) {
            problems.push(`${where}.${name}: ${d.optional ? "optional" : "required"}, schema ${want.optional ? "optional" : "required"}`);
        }
    }
    for (const [tf, attr] of Object.entries(block)) {
        const want = expected(role, tf, attr);
        if (want && !want.optional && (role === "resourceArgs" || role === "invokeArgs") && !declared.has(attr.pulumi)) {
            problems.push(`${where}.${attr.pulumi}: required by the provider schema, missing`);
        }
    }
    return problems;
}

/** A value of a Terraform type, for constructing resources with every input set. */
function sample(type: TfType, key: string): unknown {
    if (Array.isArray(type)) {
        return type[0] === "list" ? [sample(type[1], key)] : { matching_mode: sample(type[1], key), url: sample(type[1], key), redirect_uri_type: sample(type[1], key) };
    }
    return type === "string" ? `value-of-${key}` : type === "number" ? 7 : true;
}

describe("local @pulumi/authentik SDK against the provider schema (names, types, required-ness, secrecy)", () => {
    for (const r of RESOURCES) {
        it(`${r.cls} declares its args, state and outputs as the schema of ${r.tf} says`, () => {
            const sf = parse(r.file);
            const block = SCHEMA.resources[r.tf];
            assert.deepStrictEqual([
                ...departures(`${r.cls}Args`, "resourceArgs", block, declaredIn(sf, `${r.cls}Args`)),
                ...departures(`${r.cls}State`, "resourceState", block, declaredIn(sf, `${r.cls}State`)),
                ...departures(r.cls, "resourceOutputs", block, declaredIn(sf, r.cls)),
            ], []);
        });
    }

    for (const d of DATA_SOURCES) {
        it(`${d.fn.replace(/^G/, "g")} declares its args and result as the schema of data source ${d.tf} says`, () => {
            const sf = parse(d.file);
            const block = SCHEMA.dataSources[d.tf];
            assert.deepStrictEqual([
                ...departures(`${d.fn}Args`, "invokeArgs", block, declaredIn(sf, `${d.fn}Args`)),
                ...departures(`${d.fn}OutputArgs`, "invokeArgs", block, declaredIn(sf, `${d.fn}OutputArgs`)),
                ...departures(`${d.fn}Result`, "invokeResult", block, declaredIn(sf, `${d.fn}Result`)),
            ], []);
        });
    }

    it("Provider declares its args as the provider's config schema says", () => {
        assert.deepStrictEqual(departures("ProviderArgs", "providerArgs", SCHEMA.provider, declaredIn(parse("provider.ts"), "ProviderArgs")), []);
    });

    it("the check catches a departure in name, type or required-ness", () => {
        const drifted = parse("drifted.ts", [
            "export interface GetCertificateKeyPairArgs { name?: string; fetchKey?: string; color?: string; }",
            "export interface ProviderOauth2Args { clientId: pulumi.Input<string>; authorizationFlow: pulumi.Input<string>; }",
        ].join("\n"));
        assert.deepStrictEqual(departures("GetCertificateKeyPairArgs", "invokeArgs", SCHEMA.dataSources.authentik_certificate_key_pair, declaredIn(drifted, "GetCertificateKeyPairArgs")), [
            "GetCertificateKeyPairArgs.name: optional, schema required",
            'GetCertificateKeyPairArgs.fetchKey: type "string", schema "bool"',
            "GetCertificateKeyPairArgs.color: not a property of the provider schema here",
        ]);
        assert.deepStrictEqual(departures("ProviderOauth2Args", "resourceArgs", SCHEMA.resources.authentik_provider_oauth2, declaredIn(drifted, "ProviderOauth2Args")), [
            "ProviderOauth2Args.invalidationFlow: required by the provider schema, missing",
        ]);
    });

    describe("secrecy at run time", () => {
        let h: MockHarness;
        beforeEach(async () => {
            h = await MockHarness.install();
        });

        /** Constructs the resource with every declared input set, and returns what reached the engine. */
        async function registerWithEveryInput(ctor: string, token: string, block: TfBlock, args: Map<string, Declared>) {
            const inputs: Record<string, unknown> = {};
            for (const [name, d] of args) {
                inputs[name] = sample(d.type, name);
            }
            const res = new (authentik as any)[ctor]("every-input", inputs);
            await valueOf(res.urn);
            await h.settle();
            const r = h.one(token);
            const sensitive = Object.values(block).filter((a) => a.sensitive).map((a) => a.pulumi);
            return { r, sensitive };
        }

        for (const r of RESOURCES) {
            it(`${r.cls} sends exactly its sensitive inputs as secrets and marks its sensitive outputs secret`, async () => {
                const sf = parse(r.file);
                const block = SCHEMA.resources[r.tf];
                const args = declaredIn(sf, `${r.cls}Args`);
                const { r: rec, sensitive } = await registerWithEveryInput(r.cls, (authentik as Record<string, { __pulumiType?: string }>)[r.cls].__pulumiType!, block, args);
                const secretInputs = [...args.keys()].filter((k) => isSecretIn(rec.rawInputs, k));
                assert.deepStrictEqual(secretInputs.sort(), sensitive.filter((s) => args.has(s)).sort());
                const outputs = declaredIn(sf, r.cls);
                assert.deepStrictEqual([...rec.additionalSecretOutputs].sort(), sensitive.filter((s) => outputs.has(s)).sort());
            });
        }

        it("Provider sends headers and token as secrets (both sensitive) and marks the token output secret", async () => {
            const args = declaredIn(parse("provider.ts"), "ProviderArgs");
            const { r, sensitive } = await registerWithEveryInput("Provider", "pulumi:providers:authentik", SCHEMA.provider, args);
            assert.deepStrictEqual(sensitive.sort(), ["headers", "token"]);
            assert.deepStrictEqual([...args.keys()].filter((k) => isSecretIn(r.rawInputs, k)).sort(), ["headers", "token"]);
            assert.deepStrictEqual(r.additionalSecretOutputs, ["token"]);
        });
    });
});
