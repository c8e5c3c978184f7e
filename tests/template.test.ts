// The `pulumi new` template (templates/headlamp-k3s): its Pulumi.yaml is a project template as
// @pulumi/pulumi's automation types describe it, it prompts for exactly what a first deployment
// needs (secrets as secrets), each prompted key is one the program reads in the new project's
// namespace, and the answers with the prompts' defaults make a config the program accepts. The
// compiled template against the packed package is run in tests/package/pack.test.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackSettings, readSettings, unwrapBase64Key } from "../program/config";
import { MockHarness, errorOf, secretOf, valueOf } from "./harness";
import { ROOT, withoutAuthentikEnv } from "./stack-config";
import { SSH_KEY_PEM, TEMPLATE_DIR, TEMPLATE_PROJECT, qualified, templateProject, templatePrompts, templateStackConfig } from "./template-config";


/** Settings with every Output resolved, to compare two runs of readSettings. */
async function snapshot(s: StackSettings): Promise<string> {
    const resolve = async (v: unknown): Promise<unknown> => {
        if (pulumi.Output.isInstance(v)) {
            return { output: await valueOf(v) };
        }
        if (Array.isArray(v)) {
            return Promise.all(v.map(resolve));
        }
        if (v && typeof v === "object") {
            const out: Record<string, unknown> = {};
            for (const [k, x] of Object.entries(v)) {
                out[k] = await resolve(x);
            }
            return out;
        }
        return v;
    };
    return JSON.stringify(await resolve(s));
}

async function settingsWithout(key?: string): Promise<StackSettings> {
    const { config, secretKeys } = templateStackConfig(TEMPLATE_PROJECT, key ? [key] : []);
    await MockHarness.install({ config, secretKeys, project: TEMPLATE_PROJECT, stack: "dev" });
    return readSettings();
}

describe("pulumi new template (templates/headlamp-k3s)", () => {
    withoutAuthentikEnv();

    it("Pulumi.yaml is a project template: ${PROJECT}, ${DESCRIPTION}, the nodejs runtime, index.ts", () => {
        const project = templateProject();
        assert.strictEqual(project.name, "${PROJECT}");
        assert.strictEqual(project.description, "${DESCRIPTION}");
        const runtime = project.runtime;
        assert.ok(runtime && typeof runtime === "object" && runtime.name === "nodejs", "runtime nodejs");
        assert.strictEqual(project.main, "index.ts");
        assert.ok(fs.existsSync(path.join(TEMPLATE_DIR, "index.ts")));
        assert.ok((project.template?.description ?? "").length > 10);
    });

    it("prompts for exactly what a first deployment needs, each entry well-formed with a description a user can act on", () => {
        const prompts = templatePrompts();
        assert.deepStrictEqual(Object.keys(prompts).sort(), ["adminGroups", "authentik:token", "authentik:url", "authentikVersion", "headlampHost", "servers", "sshPrivateKey"]);
        for (const [key, prompt] of Object.entries(prompts)) {
            assert.deepStrictEqual(Object.keys(prompt).filter((k) => !["description", "default", "secret"].includes(k)), [], `${key}: only description, default and secret`);
            assert.ok(typeof prompt.description === "string" && prompt.description.length >= 40, `${key} has a description`);
            assert.ok(prompt.default === undefined || typeof prompt.default === "string", `${key}: a default is a string (what the prompt shows)`);
            assert.ok(prompt.secret === undefined || typeof prompt.secret === "boolean", `${key}: secret is a boolean`);
            assert.ok(!(prompt.secret && prompt.default !== undefined), `${key}: a secret has no default`);
        }
    });

    it("marks the API token and the SSH key secret: true, and nothing else", () => {
        const secrets = Object.entries(templatePrompts()).filter(([, p]) => p.secret === true).map(([k]) => k).sort();
        assert.deepStrictEqual(secrets, ["authentik:token", "sshPrivateKey"]);
    });

    it("the answers and defaults are a config the program accepts, read in the new project's namespace", async () => {
        const s = await settingsWithout();
        assert.strictEqual(s.authentik.url, "https://auth.example.com");
        assert.strictEqual(s.headlamp.host, "headlamp.example.com");
        assert.deepStrictEqual(s.apiServer.servers, [{ user: "root", host: "k3s-1.lan", port: 22 }]);
        assert.deepStrictEqual(s.headlamp.adminGroups, ["authentik Admins"]);
        assert.strictEqual(s.authentik.version, "2025.12");
        assert.strictEqual(await valueOf(s.apiServer.sshPrivateKey), SSH_KEY_PEM, "the one-line base64 answer is the key");
        assert.strictEqual(await secretOf(s.apiServer.sshPrivateKey), true);
        assert.strictEqual(await secretOf(s.authentik.token!), true);
        assert.deepStrictEqual(s.warnings, [], "both secrets arrive encrypted, so no plain-text warning");
        assert.strictEqual(s.headlamp.gateway, undefined, "everything else keeps its default (an Ingress)");
    });

    it("every prompted key is one the program reads: without it the program stops naming it, or reads something else", async () => {
        const all = await snapshot(await settingsWithout());
        for (const key of Object.keys(templatePrompts())) {
            let changed: boolean;
            try {
                changed = (await snapshot(await settingsWithout(key))) !== all;
            } catch (e) {
                assert.ok((e as Error).message.includes(`${qualified(key)}:`), `the error for a missing ${key} names ${qualified(key)}:\n${(e as Error).message}`);
                changed = true;
            }
            assert.ok(changed, `the program does not read ${qualified(key)}`);
        }
    });

    it("a key in the repository's own namespace does not count in the new project (the program reads <project>:<key>)", async () => {
        const { config, secretKeys } = templateStackConfig(TEMPLATE_PROJECT, ["headlampHost"]);
        await MockHarness.install({ config: { ...config, "headlamp-sso:headlampHost": "headlamp.example.com" }, secretKeys, project: TEMPLATE_PROJECT, stack: "dev" });
        const e = await errorOf(() => readSettings());
        assert.match(e.message, /my-headlamp:headlampHost: is required/);
        assert.ok(!e.message.includes("template-authentik-token"));
    });

    it("an SSH key given as one line of base64 is decoded; PEM text and anything else are taken as given", () => {
        assert.strictEqual(unwrapBase64Key(Buffer.from(SSH_KEY_PEM).toString("base64")), SSH_KEY_PEM);
        assert.strictEqual(unwrapBase64Key(SSH_KEY_PEM), SSH_KEY_PEM);
        assert.strictEqual(unwrapBase64Key("bm90IGEga2V5"), "bm90IGEga2V5", "base64 of something that is not a private key stays as written");
    });

    it("depends on the headlamp-sso package by a git tag of the version in package.json, as docs/components.md's \"Use as a library\" installs it", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(TEMPLATE_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string; devDependencies: Record<string, string> };
        assert.match(pkg.dependencies["headlamp-sso"], new RegExp(`^git\\+https://github\\.com/[^/]+/headlamp-sso\\.git#v${root.version.replace(/\./g, "\\.")}$`));
        assert.strictEqual(pkg.dependencies["@pulumi/pulumi"], root.devDependencies["@pulumi/pulumi"], "the same @pulumi/pulumi as the repository (a peer of the package)");
        const source = fs.readFileSync(path.join(TEMPLATE_DIR, "index.ts"), "utf8");
        assert.match(source, /from "headlamp-sso\/program"/, "the template calls the package's program, it does not copy it");
        assert.match(fs.readFileSync(path.join(ROOT, "index.ts"), "utf8"), /from "\.\/program\/deploy"/, "the root program is the same function");
    });
});
