// The Authentik Terraform provider release is written once (sdks/authentik/package.json's `pulumi`
// block) and every other place that names it says the same: the base64 parameter the
// terraform-provider plugin decodes, the SDK's registerPackage call, Pulumi.yaml's `packages:`, the
// lockfiles, the docs (plugin and offline sections, the provider cache path and file names) and
// the doctor. A release the registry does not have fails every user's first `pulumi preview`.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as authentik from "@pulumi/authentik";
import { AUTHENTIK_TERRAFORM_PROVIDER as RELEASE, SdkPulumiBlock, releaseOf } from "../components/authentik/terraform-provider";
import { judgeGrants } from "../cli/authentik";
import { MockHarness, valueOf } from "./harness";
import { LockFile, readJson, ROOT } from "./npm";

/** Every text file of the repository as a clone holds it (no node_modules, build output or .git). */
function repositoryFiles(dir = ROOT): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (!["node_modules", "bin", ".git", ".pulumi"].includes(entry.name)) {
                out.push(...repositoryFiles(full));
            }
        } else if (entry.isFile() && /\.(ts|js|json|ya?ml|md|sh|mjs)$|^run$/.test(entry.name) && !entry.name.endsWith(".tgz")) {
            out.push(full);
        }
    }
    return out;
}

/**
 * Each place a text names a version of the Authentik Terraform provider: after
 * `goauthentik/authentik` (also across a line break, in backticks or bold), in the provider cache
 * path `.../goauthentik/authentik/<version>/...`, and in the release's file names
 * `terraform-provider-authentik_<version>_...zip` / `terraform-provider-authentik_v<version>`.
 */
function namedVersions(text: string): string[] {
    const found: string[] = [];
    for (const re of [
        /goauthentik\/authentik[\s`*/-]{1,12}v?(\d+\.\d+\.\d+)/g,
        /terraform-provider-authentik_v?(\d+\.\d+\.\d+)/g,
    ]) {
        for (const m of text.matchAll(re)) {
            found.push(m[1]);
        }
    }
    return found;
}

describe("the Authentik Terraform provider release: one version everywhere", () => {
    const sdk = readJson<{ version: string; pulumi: SdkPulumiBlock }>("sdks", "authentik", "package.json");

    it("is the release the provider schema fixture was dumped from (goauthentik/terraform-provider-authentik tag v2026.5.0; there is no v2026.5.1)", () => {
        const fixture = readJson<{ _origin: string }>("tests", "fixtures", "authentik-provider-schema-2026.5.excerpt.json");
        const tag = /tag v(\d+\.\d+\.\d+)/.exec(fixture._origin)?.[1];
        assert.strictEqual(RELEASE.version, tag, "the SDK is checked against the schema of its own release");
        assert.strictEqual(RELEASE.version, "2026.5.0");
    });

    it("sdks/authentik/package.json: the package version, the parameterization and its decoded base64 value agree", () => {
        assert.strictEqual(sdk.version, RELEASE.version, "the generated SDK's package version is the provider's");
        assert.deepStrictEqual(RELEASE.basePlugin, { name: "terraform-provider", version: "0.14.0" });
        assert.strictEqual(sdk.pulumi.parameterization.name, "authentik");
        assert.deepStrictEqual(JSON.parse(Buffer.from(sdk.pulumi.parameterization.value, "base64").toString("utf8")),
            { remote: { url: "registry.opentofu.org/goauthentik/authentik", version: RELEASE.version } });
        assert.strictEqual(RELEASE.source, "goauthentik/authentik");
        assert.strictEqual(RELEASE.registry, "registry.opentofu.org");
    });

    it("a base64 value that says another version than the block is refused, naming both", () => {
        const value = Buffer.from(JSON.stringify({ remote: { url: "registry.opentofu.org/goauthentik/authentik", version: "2026.5.1" } })).toString("base64");
        assert.throws(() => releaseOf({ ...sdk.pulumi, parameterization: { ...sdk.pulumi.parameterization, value } }),
            new RegExp(`version is "${RELEASE.version.replace(/\./g, "\\.")}" but its base64 value says "2026\\.5\\.1"`));
    });

    it("the SDK registers exactly that package (version and parameter) with the engine", async () => {
        const h = await MockHarness.install();
        await valueOf(new authentik.Provider("ak", { url: "https://auth.example.com", token: "t" }).urn);
        await h.settle();
        assert.deepStrictEqual(h.packages[0], {
            baseProviderName: RELEASE.basePlugin.name,
            baseProviderVersion: RELEASE.basePlugin.version,
            name: "authentik",
            version: RELEASE.version,
            parameter: JSON.stringify(RELEASE.parameter),
        });
    });

    it("Pulumi.yaml's packages: entry is the one `pulumi package add terraform-provider goauthentik/authentik <version>` writes", () => {
        const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { packages: Record<string, unknown> };
        assert.deepStrictEqual(project.packages, {
            authentik: { source: RELEASE.basePlugin.name, version: RELEASE.basePlugin.version, parameters: [RELEASE.source, RELEASE.version] },
        });
    });

    it("both lockfiles lock the local SDK at that version", () => {
        assert.strictEqual(readJson<LockFile>("package-lock.json").packages["sdks/authentik"]?.version, RELEASE.version);
        assert.strictEqual(readJson<LockFile>("provider", "package-lock.json").packages["../sdks/authentik"]?.version, RELEASE.version);
    });

    it("docs/deploy.md names it in the plugin and offline sections, docs/components.md in the library section, with the cache path and file names of that release", () => {
        const section = (page: string, title: string) => {
            const readme = fs.readFileSync(path.join(ROOT, "docs", page), "utf8");
            const start = readme.indexOf(`\n### ${title}`) >= 0 ? readme.indexOf(`\n### ${title}`) : readme.indexOf(`\n## ${title}`);
            assert.ok(start >= 0, `docs/${page} has no section ${title}`);
            const next = readme.slice(start + 1).search(/\n##+ /);
            return readme.slice(start, next < 0 ? undefined : start + 1 + next);
        };
        const v = RELEASE.version;
        assert.ok(namedVersions(section("deploy.md", "Plugins, and what `pulumi install` does here")).includes(v));
        const offline = section("deploy.md", "Offline or air-gapped machines");
        for (const text of [
            `dynamic_tf_plugins/registry.opentofu.org/goauthentik/authentik/${v}/linux_amd64`,
            `terraform-provider-authentik_${v}_linux_amd64.zip`,
            `terraform-provider-authentik_v${v}`,
        ]) {
            assert.ok(offline.includes(text), `the offline section names ${text}`);
        }
        assert.ok(namedVersions(section("components.md", "Use as a library")).includes(v));
    });

    it("no file of the repository names another version of the provider", () => {
        const wrong: string[] = [];
        for (const file of repositoryFiles()) {
            const text = fs.readFileSync(file, "utf8");
            for (const version of namedVersions(text)) {
                if (version !== RELEASE.version) {
                    wrong.push(`${path.relative(ROOT, file)}: ${version}`);
                }
            }
        }
        assert.deepStrictEqual(wrong, [], `every place names goauthentik/authentik ${RELEASE.version}`);
        assert.ok(namedVersions(fs.readFileSync(path.join(ROOT, "sdks", "authentik", "README.md"), "utf8")).filter((x) => x === RELEASE.version).length >= 3);
    });

    it("the doctor's grant-types fix names the release AuthentikOidcApp sets them through", () => {
        const outcome = judgeGrants({ pk: 1, name: "h", assignedApplicationSlug: "h", redirectUris: [], mappings: [], grantTypes: ["authorization_code"] });
        assert.strictEqual(outcome.status, "fail");
        assert.ok(outcome.fix?.includes(`goauthentik/authentik ${RELEASE.version}`), outcome.fix);
    });
});
