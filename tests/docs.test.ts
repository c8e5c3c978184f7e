// The documentation cannot drift from the code: the generated reference parts of docs/ equal what
// `npm run docs` makes from Pulumi.yaml and the components' TSDoc, the program reads exactly the
// keys the config reference lists, every arg has TSDoc, the doctor's checks table lists the doctor's
// own checks, every relative link and anchor of the repository's Markdown resolves, and the README
// stays a short page with the two test commands CI runs. Pure: reads files, starts nothing.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checksFor } from "../cli/doctor";
import { DoctorInputs } from "../cli/context";
import { PARTS, PROVIDER_KEYS, ROOT, SEE_ALSO, cell, declarationsOf, projectConfig, regenerate, renderConfigTable, staleParts } from "./docs-reference";
import { anchorsOf, brokenLinks, githubSlug, linksOf } from "./markdown-links";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** A scratch copy of the files the generated parts read and live in, to break on purpose. */
function scratchCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "headlamp-sso-docs-"));
    for (const file of ["Pulumi.yaml", ...new Set(PARTS.flatMap((p) => [p.doc, p.source]))]) {
        fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    return dir;
}

describe("docs: reference generated from the code", () => {
    it("every generated part of docs/ is what `npm run docs` makes from its source", () => {
        assert.deepStrictEqual(staleParts(ROOT), []);
        for (const doc of new Set(PARTS.map((p) => p.doc))) {
            assert.strictEqual(regenerate(ROOT, doc), read(doc), `${doc}: run npm run docs`);
        }
    });

    it("names the key, the page and the fix when Pulumi.yaml gains, loses or changes a key", () => {
        const dir = scratchCopy();
        try {
            const yaml = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml
                .replace("config:\n", "config:\n  auditorGroups:\n    type: array\n    items:\n      type: string\n    default: []\n    description: Authentik groups bound to an auditor role.\n")
                .replace(/\n  appName:\n(    .*\n)+/, "\n")
                .replace("default: headlamp-tls", "default: other-tls"));
            const problems = staleParts(dir);
            assert.ok(problems.some((p) => p.includes("docs/configuration.md does not document config key `auditorGroups` of Pulumi.yaml: run `npm run docs`")), problems.join("\n"));
            assert.ok(problems.some((p) => p.includes("docs/configuration.md documents config key `appName`, which Pulumi.yaml no longer has")), problems.join("\n"));
            assert.ok(problems.some((p) => p.includes("the row of `tlsSecretName` differs from Pulumi.yaml")), problems.join("\n"));
            // npm run docs fixes it.
            fs.writeFileSync(path.join(dir, "docs", "configuration.md"), regenerate(dir, "docs/configuration.md"));
            assert.deepStrictEqual(staleParts(dir).filter((p) => p.startsWith("docs/configuration.md")), []);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("names the arg and the component when an args interface gains an arg or its TSDoc changes", () => {
        const dir = scratchCopy();
        try {
            const file = path.join(dir, "components", "headlamp-release.ts");
            fs.writeFileSync(file, fs.readFileSync(file, "utf8")
                .replace("    /** The OIDC client. Required. */\n", "    /** Namespaces the auditors may read. Default none. */\n    auditNamespaces?: string[];\n    /** The OIDC client. Required. */\n")
                .replace("Helm release name (at most 53 characters)", "Helm release name"));
            const problems = staleParts(dir);
            assert.ok(problems.some((p) => p.includes("docs/components.md does not document arg `HeadlampReleaseArgs.auditNamespaces` of components/headlamp-release.ts")), problems.join("\n"));
            assert.ok(problems.some((p) => p.includes("the row of `releaseName` differs from components/headlamp-release.ts")), problems.join("\n"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the config table has every key with its type, default and description, secrets marked, `<...>` kept visible", () => {
        const table = renderConfigTable(projectConfig());
        for (const [key, decl] of Object.entries({ ...PROVIDER_KEYS, ...projectConfig() })) {
            const row = table.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
            assert.ok(row, `no row for ${key}`);
            assert.ok(row.includes(cell(decl.description!.replace(/^Secret, set it with --secret: /, ""))), `${key}: description`);
        }
        assert.match(table, /\| `servers` \| string\[\] \| \*\*required\*\* \|/);
        assert.match(table, /\| `sshPrivateKey` \| string, secret \| \*\*required\*\* \|/);
        assert.match(table, /\| `clientSecret` \| string, secret \| unset \| OAuth2 client secret/);
        assert.match(table, /\| `readyTimeoutSeconds` \| integer \| `180` \|/);
        assert.match(table, /Default headlamp-&lt;stack&gt;/);
        for (const key of Object.keys(SEE_ALSO)) {
            assert.ok(key in PROVIDER_KEYS || key in projectConfig(), `SEE_ALSO names ${key}, which is no config key`);
        }
    });

    it("the program reads exactly the keys the config reference lists (Pulumi.yaml and the provider's authentik: keys)", () => {
        const source = read("program/config.ts");
        const read_ = new Set<string>();
        for (const m of source.matchAll(/\b(?:raw|str|bool|int|list|secret|fullKey)\((?:problems, |warnings, )?"([A-Za-z:]+)"/g)) {
            read_.add(m[1]);
        }
        const listed = new Set([...Object.keys(PROVIDER_KEYS), ...Object.keys(projectConfig())]);
        const unlisted = [...read_].filter((k) => !listed.has(k));
        assert.deepStrictEqual(unlisted, [], `program/config.ts reads ${unlisted.join(", ")}: declare each in Pulumi.yaml's config: (type, default, description; an authentik: key in PROVIDER_KEYS of tests/docs-reference.ts), then run npm run docs to add it to docs/configuration.md`);
        // A key read through another helper still names the key as a string somewhere in program/.
        const programText = fs.readdirSync(path.join(ROOT, "program")).filter((f) => f.endsWith(".ts")).map((f) => read(path.join("program", f))).join("\n");
        const unread = [...listed].filter((k) => !read_.has(k) && !programText.includes(`"${k}"`));
        assert.deepStrictEqual(unread, [], `Pulumi.yaml or PROVIDER_KEYS lists ${unread.join(", ")}, which program/ never names: remove the key or read it`);
    });

    it("every arg and output of the components has TSDoc (the args tables are made from it)", () => {
        const missing: string[] = [];
        for (const part of PARTS.filter((p) => p.name.startsWith("args "))) {
            for (const d of declarationsOf(part.source, read(part.source))) {
                missing.push(...d.members.filter((m) => m.doc === "").map((m) => `${part.source}: ${d.name}.${m.name}`));
            }
        }
        assert.deepStrictEqual(missing, [], "add TSDoc (what, default, why) to each, then run npm run docs");
    });
});

describe("docs: the doctor's checks table", () => {
    it("docs/troubleshooting.md's table names exactly the doctor's checks, in the order it runs them", () => {
        const text = read("docs/troubleshooting.md");
        const table = text.split("\n").filter((l) => /^\| \d+ \|/.test(l)).join("\n");
        const documented = [...table.matchAll(/`([a-z-]+)`:/g)].map((m) => m[1]);
        const checks = [...new Set(checksFor({} as DoctorInputs).map((c) => c.name))];
        const missing = checks.filter((c) => !documented.includes(c));
        const unknown = documented.filter((c) => !checks.includes(c));
        assert.deepStrictEqual({ missing, unknown }, { missing: [], unknown: [] }, "docs/troubleshooting.md's checks table: add each missing check (as `name`: what it checks) to the row of its group, remove each unknown one");
        assert.deepStrictEqual(documented, checks, "docs/troubleshooting.md's checks table lists the checks in another order than cli/doctor.ts runs them");
    });
});

describe("docs: links", () => {
    it("every relative link and #anchor in the repository's Markdown resolves", () => {
        assert.deepStrictEqual(brokenLinks(ROOT), []);
    });

    it("GitHub's anchor rules: code, punctuation and repeats", () => {
        assert.strictEqual(githubSlug("Plugins, and what `pulumi install` does here"), "plugins-and-what-pulumi-install-does-here");
        assert.strictEqual(githubSlug("Through a Gateway (Gateway API)"), "through-a-gateway-gateway-api");
        assert.strictEqual(githubSlug("What `email_verified: True` vouches for"), "what-email_verified-true-vouches-for");
        assert.strictEqual(githubSlug("No Authentik identity becomes a Kubernetes `system:` identity"), "no-authentik-identity-becomes-a-kubernetes-system-identity");
        assert.strictEqual(githubSlug("Quickest start: `pulumi new`"), "quickest-start-pulumi-new");
        assert.strictEqual(githubSlug("Ünïcode — and ½ of it"), "ünïcode--and--of-it");
        assert.deepStrictEqual([...anchorsOf("# A\n## A\n```\n# not a heading\n```\n### A!\n")], ["a", "a-1", "a-2"]);
        assert.deepStrictEqual(linksOf("[x](a.md#b) `[y](c.md)` ![i](img.png \"t\")\n```\n[z](d.md)\n```\n"), ["a.md#b", "img.png"]);
    });

    it("reports a missing file and a missing anchor", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "headlamp-sso-links-"));
        try {
            fs.mkdirSync(path.join(dir, "docs"));
            fs.writeFileSync(path.join(dir, "README.md"), "# Top\n\n[ok](docs/a.md#part-one) [gone](docs/b.md) [bad](docs/a.md#part-two) [self](#top) [web](https://example.com/x#y)\n");
            fs.writeFileSync(path.join(dir, "docs", "a.md"), "# A\n\n## Part one\n\n[up](../README.md#nowhere)\n");
            assert.deepStrictEqual(brokenLinks(dir), [
                "README.md: docs/b.md (no file docs/b.md)",
                "README.md: docs/a.md#part-two (docs/a.md has no heading with the anchor #part-two)",
                "docs/a.md: ../README.md#nowhere (README.md has no heading with the anchor #nowhere)",
            ]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("docs: the README", () => {
    it("is a short page (at most about 200 lines) with the picture, and keeps the two commands .ci/run runs", () => {
        const readme = read("README.md");
        assert.ok(readme.split("\n").length <= 200, `README.md has ${readme.split("\n").length} lines; move detail into docs/`);
        assert.match(readme, /```mermaid\n/);
        assert.match(readme, /^ {4}npm ci\n {4}npm test$/m);
        const ci = read(".ci/run");
        assert.match(ci, /^npm ci$/m);
        assert.match(ci, /^npm test$/m);
    });

    it("links every page of docs/", () => {
        const links = new Set(linksOf(read("README.md")).map((l) => l.split("#")[0]));
        const pages = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
        assert.deepStrictEqual(pages.filter((p) => !links.has(p)), []);
    });
});
