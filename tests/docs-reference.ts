// The reference parts of docs/ that are generated from the code, so they cannot drift from it:
// the config table of docs/configuration.md from Pulumi.yaml's `config:` block (plus the Authentik
// provider's own keys, which the program reads but Pulumi.yaml does not declare), and the args and
// outputs tables of docs/components.md from the components' TSDoc. Each generated part sits between
// a BEGIN and an END marker; `npm run docs` (this file run directly) rewrites them, and
// tests/docs.test.ts fails, naming the missing or stale key or arg, while the committed text differs.
// Pure apart from reading and (when run as a script) writing those files. TypeScript is only parsed
// (no type-checking), so this takes milliseconds.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import * as YAML from "yaml";

import { ConfigDecl, ROOT } from "./stack-config";

export { ROOT };
export type { ConfigDecl };

/**
 * Keys the program reads that belong to the Authentik provider (`authentik:`), not to the project,
 * so Pulumi.yaml does not declare them (the provider's own schema does). The program checks them
 * like its own (program/config.ts).
 */
export const PROVIDER_KEYS: Readonly<Record<string, ConfigDecl>> = {
    "authentik:url": { type: "string", description: "Authentik base URL, e.g. `https://auth.example.com`; also the provider's API endpoint (or env `AUTHENTIK_URL`)." },
    "authentik:token": { type: "string", secret: true, description: "Authentik API token (or env `AUTHENTIK_TOKEN`)." },
    "authentik:insecure": { type: "boolean", default: false, description: "Skip TLS verification towards Authentik (warns at every run)." },
};

/**
 * Where to read more about a key: appended to its row as a link. Every key named here must exist
 * (tests/docs.test.ts), and the link test checks the targets.
 */
export const SEE_ALSO: Readonly<Record<string, { text: string; href: string }>> = {
    "authentik:insecure": { text: "Private CA", href: "deploy.md#private-ca" },
    authentikCaPem: { text: "Private CA", href: "deploy.md#private-ca" },
    accessGroups: { text: "Security notes", href: "security.md#what-email_verified-true-vouches-for" },
    sshHostKeys: { text: "Security notes", href: "security.md#unpinned-ssh-host-keys" },
    serviceManager: { text: "OpenRC", href: "k3s-servers.md#openrc-alpine" },
    usernamePrefix: { text: "Security notes", href: "security.md#no-authentik-identity-becomes-a-kubernetes-system-identity" },
    groupsPrefix: { text: "Security notes", href: "security.md#no-authentik-identity-becomes-a-kubernetes-system-identity" },
    gatewayParentRefs: { text: "Through a Gateway", href: "deploy.md#through-a-gateway-gateway-api" },
    adminUsers: { text: "Security notes", href: "security.md#what-email_verified-true-vouches-for" },
    operatorUsers: { text: "Roles", href: "components.md#roles" },
    operatorGroups: { text: "Roles", href: "components.md#roles" },
    namespaceAccess: { text: "Roles", href: "components.md#roles" },
    allowSystemNamespaces: { text: "Roles", href: "components.md#roles" },
};

/** A generated part of a Markdown file: its marker name, the file, and what it is made from. */
export interface GeneratedPart {
    /** Name in the markers, e.g. `config` or `args AuthentikOidcApp`. */
    name: string;
    /** The Markdown file, relative to the root. */
    doc: string;
    /** The source it is generated from, relative to the root (named in the markers and messages). */
    source: string;
    /** The generated Markdown (without markers). */
    render(root: string): string;
}

/** The markers around a generated part. */
export function markers(part: Pick<GeneratedPart, "name" | "source">): { begin: string; end: string } {
    return {
        begin: `<!-- BEGIN GENERATED ${part.name}: made from ${part.source} by \`npm run docs\`; edit the source, not this part -->`,
        end: `<!-- END GENERATED ${part.name} -->`,
    };
}

/**
 * Text for a table cell: one line, pipes escaped, and outside code spans `<` and `>` as entities
 * (`headlamp-<stack>` would otherwise be an HTML tag that the forges drop).
 */
export function cell(text: string): string {
    return text.replace(/\s+/g, " ").trim().replace(/\|/g, "\\|")
        .split(/(`[^`]*`)/).map((s, i) => (i % 2 === 1 ? s : s.replace(/</g, "&lt;").replace(/>/g, "&gt;"))).join("");
}

/** Pulumi.yaml's `config:` block. */
export function projectConfig(root: string = ROOT): Record<string, ConfigDecl> {
    return (YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config: Record<string, ConfigDecl> }).config;
}

/** Whether a key is a secret: declared `secret: true`, or its description says so (see Pulumi.yaml's comment). */
export function isSecret(decl: ConfigDecl): boolean {
    return decl.secret === true || /^Secret, set it with --secret: /.test(decl.description ?? "");
}

function typeOf(decl: ConfigDecl): string {
    const type = decl.type === "array" ? `${decl.items?.type ?? "string"}[]` : decl.type ?? "string";
    return isSecret(decl) ? `${type}, secret` : type;
}

function defaultOf(decl: ConfigDecl): string {
    if (decl.default === undefined) {
        return "**required**";
    }
    if (decl.default === "") {
        return "unset";
    }
    return `\`${typeof decl.default === "string" ? decl.default : JSON.stringify(decl.default)}\``;
}

/** The config table: the provider's keys, then Pulumi.yaml's in their order. */
export function renderConfigTable(config: Record<string, ConfigDecl>): string {
    const rows = ["| key | type | default | description |", "|---|---|---|---|"];
    for (const [key, decl] of [...Object.entries(PROVIDER_KEYS), ...Object.entries(config)]) {
        const description = (decl.description ?? "").replace(/^Secret, set it with --secret: /, "");
        const see = SEE_ALSO[key] ? ` See [${SEE_ALSO[key].text}](${SEE_ALSO[key].href}).` : "";
        rows.push(`| \`${key}\` | ${typeOf(decl)} | ${defaultOf(decl)} | ${cell(description + see)} |`);
    }
    return rows.join("\n");
}

/** One documented member of an interface or class. */
export interface Member {
    name: string;
    optional: boolean;
    type: string;
    /** The TSDoc text, one line ("" when there is none). */
    doc: string;
}

/** An exported interface (args) or class (its public readonly outputs) of a component file. */
export interface Declaration {
    kind: "interface" | "class";
    name: string;
    doc: string;
    members: Member[];
}

/** TSDoc of a node as one line, `{@link X}` as `X`. */
function docOf(node: ts.Node): string {
    const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
    const text = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ");
    return text.replace(/\{@link\s+([^}\s]+)\s*\}/g, "`$1`").replace(/\s+/g, " ").trim();
}

function isExported(node: ts.Node): boolean {
    return (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
}

/** The exported interfaces and classes of a TypeScript file, in file order (parsed, not type-checked). */
export function declarationsOf(fileName: string, text: string): Declaration[] {
    const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
    const out: Declaration[] = [];
    for (const statement of source.statements) {
        if (ts.isInterfaceDeclaration(statement) && isExported(statement)) {
            out.push({
                kind: "interface",
                name: statement.name.text,
                doc: docOf(statement),
                members: statement.members.filter(ts.isPropertySignature).map((m) => ({
                    name: m.name.getText(source),
                    optional: m.questionToken !== undefined,
                    type: m.type ? m.type.getText(source).replace(/\s+/g, " ") : "unknown",
                    doc: docOf(m),
                })),
            });
        } else if (ts.isClassDeclaration(statement) && statement.name && isExported(statement)) {
            const outputs = statement.members.filter((m): m is ts.PropertyDeclaration => ts.isPropertyDeclaration(m)
                && (ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Public) !== 0
                && (ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Readonly) !== 0);
            out.push({
                kind: "class",
                name: statement.name.text,
                doc: docOf(statement),
                members: outputs.map((m) => ({
                    name: m.name.getText(source),
                    optional: m.questionToken !== undefined,
                    type: m.type ? m.type.getText(source).replace(/\s+/g, " ") : "unknown",
                    doc: docOf(m),
                })),
            });
        }
    }
    return out;
}

/** `pulumi.Input<T>` / `pulumi.Output<T>` shown as `Input<T>` / `Output<T>`. */
function typeText(type: string): string {
    return type.replace(/\bpulumi\./g, "");
}

/** The args tables (every exported interface of the file) and the outputs table (the class's public readonly members). */
export function renderComponentTables(fileName: string, text: string): string {
    const parts: string[] = [];
    for (const d of declarationsOf(fileName, text)) {
        if (d.kind === "interface") {
            parts.push(`**\`${d.name}\`**${d.doc ? `: ${d.doc}` : ""}`, "",
                "| arg | type | description |", "|---|---|---|",
                ...d.members.map((m) => `| \`${m.name}\`${m.optional ? "" : " (required)"} | ${cell(`\`${typeText(m.type)}\``)} | ${cell(m.doc)} |`), "");
        } else {
            parts.push(`**Outputs of \`${d.name}\`**`, "", "| output | type | description |", "|---|---|---|",
                ...d.members.map((m) => `| \`${m.name}\` | ${cell(`\`${typeText(m.type)}\``)} | ${cell(m.doc)} |`), "");
        }
    }
    return parts.join("\n").trimEnd();
}

const COMPONENT_FILES: Readonly<Record<string, string>> = {
    AuthentikOidcApp: "components/authentik-oidc-app.ts",
    K3sOidcApiServer: "components/k3s-oidc-api-server.ts",
    HeadlampRelease: "components/headlamp-release.ts",
};

/** Every generated part of docs/. */
export const PARTS: readonly GeneratedPart[] = [
    {
        name: "config",
        doc: "docs/configuration.md",
        source: "Pulumi.yaml",
        render: (root) => renderConfigTable(projectConfig(root)),
    },
    ...Object.entries(COMPONENT_FILES).map(([component, file]) => ({
        name: `args ${component}`,
        doc: "docs/components.md",
        source: file,
        render: (root: string) => renderComponentTables(file, fs.readFileSync(path.join(root, file), "utf8")),
    })),
];

/** The text between a part's markers in a document, or undefined when a marker is missing. */
export function committedPart(docText: string, part: GeneratedPart): string | undefined {
    const { begin, end } = markers(part);
    const from = docText.indexOf(begin);
    const to = docText.indexOf(end);
    if (from < 0 || to < from) {
        return undefined;
    }
    return docText.slice(from + begin.length, to).trim();
}

/** A document with every part generated afresh (throws when a marker is missing). */
export function regenerate(root: string, doc: string): string {
    let text = fs.readFileSync(path.join(root, doc), "utf8");
    for (const part of PARTS.filter((p) => p.doc === doc)) {
        const { begin, end } = markers(part);
        const from = text.indexOf(begin);
        const to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new Error(`${doc} has no ${begin} ... ${end} pair; put the two markers where the ${part.name} part belongs.`);
        }
        text = `${text.slice(0, from + begin.length)}\n${part.render(root)}\n${text.slice(to)}`;
    }
    return text;
}

/** The first cell of each table row (the key or arg name), per table, from a generated part. */
function rowNames(markdown: string): string[] {
    const names: string[] = [];
    let table = "";
    for (const line of markdown.split("\n")) {
        const heading = /^\*\*(?:Outputs of )?`([^`]+)`\*\*/.exec(line);
        if (heading) {
            table = line.startsWith("**Outputs") ? `${heading[1]} outputs` : heading[1];
        }
        const row = /^\| `([^`]+)`/.exec(line);
        if (row) {
            names.push(table ? `${table}.${row[1]}` : row[1]);
        }
    }
    return names;
}

/**
 * What differs between the committed docs and the generated parts, one sentence per difference
 * that names the key or arg, the page and the fix.
 */
export function staleParts(root: string = ROOT): string[] {
    const problems: string[] = [];
    for (const part of PARTS) {
        const found = problems.length;
        const docText = fs.readFileSync(path.join(root, part.doc), "utf8");
        const committed = committedPart(docText, part);
        const { begin, end } = markers(part);
        if (committed === undefined) {
            problems.push(`${part.doc} lacks the generated ${part.name} part: put the markers ${begin} and ${end} on their own lines where it belongs, then run \`npm run docs\`.`);
            continue;
        }
        const fresh = part.render(root);
        if (committed === fresh) {
            continue;
        }
        const have = rowNames(committed);
        const want = rowNames(fresh);
        const what = part.name === "config" ? "config key" : "arg";
        for (const name of want.filter((n) => !have.includes(n))) {
            problems.push(`${part.doc} does not document ${what} \`${name}\` of ${part.source}: run \`npm run docs\` (it writes the ${part.name} table from ${part.source}) and commit ${part.doc}.`);
        }
        for (const name of have.filter((n) => !want.includes(n))) {
            problems.push(`${part.doc} documents ${what} \`${name}\`, which ${part.source} no longer has: run \`npm run docs\` and commit ${part.doc}.`);
        }
        const changed = fresh.split("\n").filter((l) => !committed.split("\n").includes(l)).map((l) => /^\| `([^`]+)`/.exec(l)?.[1]).filter((n): n is string => n !== undefined && have.some((h) => h === n || h.endsWith(`.${n}`)));
        for (const name of changed) {
            problems.push(`${part.doc}: the row of \`${name}\` differs from ${part.source} (its type, default or description changed there): run \`npm run docs\` and commit ${part.doc}.`);
        }
        if (problems.length === found) {
            problems.push(`${part.doc}: the generated ${part.name} part differs from ${part.source}: run \`npm run docs\` and commit ${part.doc}.`);
        }
    }
    return problems;
}

if (require.main === module) {
    for (const doc of [...new Set(PARTS.map((p) => p.doc))]) {
        const before = fs.readFileSync(path.join(ROOT, doc), "utf8");
        const after = regenerate(ROOT, doc);
        if (after !== before) {
            fs.writeFileSync(path.join(ROOT, doc), after);
            console.log(`rewrote ${doc}`);
        } else {
            console.log(`${doc} is up to date`);
        }
    }
}
