// `npm install headlamp-sso` for real: `npm pack` this repository (prepack builds the SDK and the
// library), install the tarball into a fresh project offline (only the tarball and the local npm
// cache), compile examples/consumer/index.ts against it with the repository's TypeScript, and run
// it under Pulumi mocks with the consumer's own @pulumi/pulumi. The three components must register
// with their children, the bundled @pulumi/authentik must come from inside the tarball, and there
// must be exactly one @pulumi/pulumi in the consumer's tree (it is a peer dependency).
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { execFile, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { addLockedClosure, childEnv, LockEntry, Manifest, npmRegistry, ROOT, run } from "../npm";
import { FakeAuthentik } from "../fake-authentik/issuer";
import { brokenLinks } from "../markdown-links";
import { packedTarball } from "../pack";
import { MockHarness, captureWarnings, valueOf } from "../harness";
import { stackConfig } from "../stack-config";
import { TEMPLATE_DIR, TEMPLATE_PROJECT, templateStackConfig } from "../template-config";
import { FakeAuthentikApi, FakeHeadlamp, TestPki } from "../doctor/fakes";

const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

/**
 * A lockfile for the consumer project, made of the repository's own locked versions: npm resolves
 * nothing (an offline install cannot read registry metadata that `npm ci` never fetched), it only
 * takes each locked tarball out of the cache by its integrity. The tarball's own entry is the
 * packed file with its bundled @pulumi/authentik.
 */
function consumerLock(pkg: Manifest, tarball: string, rootDeps: Record<string, string>): object {
    const out: Record<string, LockEntry> = {
        "": { name: "consumer", version: "1.0.0", dependencies: rootDeps },
    };
    const bundled = new Set(pkg.bundleDependencies);
    out["node_modules/headlamp-sso"] = {
        version: pkg.version,
        resolved: `file:${path.basename(tarball)}`,
        integrity: `sha512-${crypto.createHash("sha512").update(fs.readFileSync(tarball)).digest("base64")}`,
        bundleDependencies: pkg.bundleDependencies,
        license: pkg.license,
        dependencies: pkg.dependencies,
        peerDependencies: pkg.peerDependencies,
        // As npm records it: without it, no node_modules/.bin link for the package's command.
        ...(pkg.bin ? { bin: pkg.bin } : {}),
    };
    for (const name of bundled) {
        const sdk = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as Manifest;
        out[`node_modules/headlamp-sso/node_modules/${name}`] = {
            version: sdk.version,
            inBundle: true,
            license: sdk.license,
            peerDependencies: sdk.peerDependencies,
        };
    }
    // Everything the consumer needs, at the same place in the tree as in the repository.
    addLockedClosure(out, [
        ...Object.keys(pkg.dependencies).filter((d) => !bundled.has(d)).map((d): [string, string] => ["", d]),
        ...Object.keys(rootDeps).filter((d) => d !== "headlamp-sso").map((d): [string, string] => ["", d]),
    ], npmRegistry());
    return { name: "consumer", version: "1.0.0", lockfileVersion: 3, requires: true, packages: out };
}

/** The mocks' answers to the Authentik SDK's data sources, for both runners below (JavaScript source). */
const INVOKE_ANSWERS = String.raw`const answers = {
    "authentik:index/getFlow:getFlow": (a) => ({ id: "flow-" + a.slug, slug: a.slug }),
    "authentik:index/getCertificateKeyPair:getCertificateKeyPair": (a) => ({ id: "kp-uuid", name: a.name }),
    "authentik:index/getPropertyMappingProviderScope:getPropertyMappingProviderScope": (a) => ({ id: "x", ids: (a.managedLists || []).map((m) => "scope-" + m), managedLists: a.managedLists }),
    "authentik:index/getGroup:getGroup": (a) => ({ id: "group-" + a.name, name: a.name }),
};`;

/**
 * Runs the compiled consumer under mocks with the consumer's @pulumi/pulumi and prints, as JSON
 * after a marker, every registration (type, name, parent type), every invoke and the stack outputs.
 */
const RUNNER = String.raw`
const pulumi = require("@pulumi/pulumi");
const registered = [];
const invokes = [];
let pending = 0;
${INVOKE_ANSWERS}
pulumi.runtime.setAllConfig({}, []);
pulumi.runtime.setMocks({
    newResource: (args) => {
        const state = { ...args.inputs };
        if (args.type === "authentik:index/providerOauth2:ProviderOauth2") { state.providerOauth2Id = "7"; state.clientSecret = "generated"; }
        if (args.type === "authentik:index/application:Application") { state.uuid = "app-uuid"; }
        if (args.type === "authentik:index/propertyMappingProviderScope:PropertyMappingProviderScope") { state.propertyMappingProviderScopeId = "mapping-uuid"; }
        if (args.type === "command:remote:Command") { state.stdout = "ok"; state.stderr = ""; }
        if (args.type === "kubernetes:helm.sh/v3:Release") { state.status = { status: "deployed" }; }
        return { id: args.custom ? args.name + "-id" : undefined, state };
    },
    call: (args) => {
        invokes.push(args.token);
        const answer = answers[args.token];
        if (!answer) { throw new Error("unmocked invoke " + args.token); }
        return answer(args.inputs);
    },
}, "consumer", "dev", false).then(async () => {
    const monitor = pulumi.runtime.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        pending += 1;
        register(req, (err, resp) => {
            if (!err) { registered.push({ type: req.getType(), name: req.getName(), urn: resp.getUrn(), parent: req.getParent(), provider: req.getProvider() }); }
            pending -= 1;
            cb(err, resp);
        });
    };
    const program = require("./bin/index.js");
    const outputs = {};
    for (const [k, v] of Object.entries(program)) {
        outputs[k] = await new Promise((resolve) => pulumi.output(v).apply((x) => { resolve(x); return x; }));
    }
    let quiet = 0;
    for (let i = 0; i < 5000 && quiet < 50; i++) {
        await new Promise((r) => setImmediate(r));
        quiet = pending === 0 ? quiet + 1 : 0;
    }
    const byUrn = new Map(registered.map((r) => [r.urn, r]));
    const resources = registered.map((r) => ({ type: r.type, name: r.name, urn: r.urn, provider: r.provider, parentType: r.parent ? (byUrn.get(r.parent) || { type: "?" }).type : "" }));
    process.stdout.write("@@RESULT@@" + JSON.stringify({ resources, invokes, outputs }) + "\n");
}).catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * Runs the compiled `pulumi new` template under mocks as the project `pulumi new` made
 * (TEMPLATE_PROJECT, stack dev) with the stack config in TEMPLATE_CONFIG, and prints every
 * registration (type, name, parent type, the Helm release's inputs) and the stack outputs.
 * Computed state as tests/harness.ts gives it, so the two runs can be compared.
 */
const TEMPLATE_RUNNER = String.raw`
const pulumi = require("@pulumi/pulumi");
const { config, secretKeys, project } = JSON.parse(process.env.TEMPLATE_CONFIG);
const registered = [];
let pending = 0;
let n = 0;
${INVOKE_ANSWERS}
pulumi.runtime.setAllConfig(config, secretKeys);
pulumi.runtime.setMocks({
    newResource: (args) => {
        n += 1;
        const state = { ...args.inputs };
        if (args.type === "authentik:index/providerOauth2:ProviderOauth2") { state.providerOauth2Id = String(100 + n); state.clientSecret = args.inputs.clientSecret || "generated-secret-" + args.name; }
        if (args.type === "authentik:index/application:Application") { state.applicationId = args.inputs.slug; state.uuid = "app-" + args.inputs.slug + "-uuid"; }
        if (args.type === "authentik:index/propertyMappingProviderScope:PropertyMappingProviderScope") { state.propertyMappingProviderScopeId = "mapping-" + args.name + "-uuid"; }
        if (args.type === "authentik:index/policyBinding:PolicyBinding") { state.policyBindingId = "binding-" + args.name + "-uuid"; }
        if (args.type === "command:remote:Command") { state.stdout = ""; state.stderr = ""; }
        if (args.type === "kubernetes:helm.sh/v3:Release") { state.status = { status: "deployed" }; }
        return { id: args.custom ? args.name + "-id" : undefined, state };
    },
    call: (args) => {
        const answer = answers[args.token];
        if (!answer) { throw new Error("unmocked invoke " + args.token); }
        return answer(args.inputs);
    },
}, project, "dev", false).then(async () => {
    const monitor = pulumi.runtime.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        pending += 1;
        const inputs = req.getType() === "kubernetes:helm.sh/v3:Release" ? req.getObject().toJavaScript() : undefined;
        register(req, (err, resp) => {
            if (!err) { registered.push({ type: req.getType(), name: req.getName(), urn: resp.getUrn(), parent: req.getParent(), inputs }); }
            pending -= 1;
            cb(err, resp);
        });
    };
    const program = require("./bin/index.js");
    const outputs = {};
    for (const [k, v] of Object.entries(program)) {
        outputs[k] = v === undefined ? null : await new Promise((resolve) => pulumi.output(v).apply((x) => { resolve(x); return x; }));
    }
    let quiet = 0;
    for (let i = 0; i < 5000 && quiet < 50; i++) {
        await new Promise((r) => setImmediate(r));
        quiet = pending === 0 ? quiet + 1 : 0;
    }
    const byUrn = new Map(registered.map((r) => [r.urn, r]));
    const resources = registered.map((r) => ({ type: r.type, name: r.name, parentType: r.parent ? (byUrn.get(r.parent) || { type: "?" }).type : "", inputs: r.inputs }));
    process.stdout.write("@@RESULT@@" + JSON.stringify({ resources, outputs }) + "\n");
}).catch((e) => { console.error(e); process.exit(1); });
`;

interface RunResult {
    resources: { type: string; name: string; urn: string; provider: string; parentType: string }[];
    invokes: string[];
    outputs: Record<string, unknown>;
}

describe("package: npm pack, offline install into a fresh project, consumer under mocks", function () {
    this.timeout(600_000);

    let tmp: string;
    let tarball: string;
    let project: string;

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "headlamp-sso-pack-"));
        // `npm pack` of the checkout (prepack builds the Authentik SDK and the library), once per run.
        tarball = packedTarball();
        assert.ok(fs.existsSync(tarball), `npm pack did not write ${tarball}`);
    });

    after(function () {
        if (tmp) {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("the tarball holds the compiled library and the bundled Authentik SDK, and nothing else", function () {
        const files = run("tar", ["-tzf", tarball], tmp, 30_000).split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
        for (const f of [
            "package.json",
            "bin/components/index.js",
            "bin/components/index.d.ts",
            "bin/components/authentik-oidc-app.js",
            "bin/components/k3s-oidc-api-server.js",
            "bin/components/headlamp-release.js",
            "bin/cli/bin.js",
            // The K3s runbook, a shell file read by bin/components/k3s/script.js.
            "components/k3s/runbook.sh",
            "node_modules/@pulumi/authentik/package.json",
            "node_modules/@pulumi/authentik/bin/index.js",
            "node_modules/@pulumi/authentik/bin/index.d.ts",
            "node_modules/@pulumi/authentik/bin/providerOauth2.js",
        ]) {
            assert.ok(files.includes(f), `tarball lacks ${f}`);
        }
        const unexpected = files.filter((f) =>
            !/^bin\/components\/.+\.(js|d\.ts)$/.test(f) &&
            !/^bin\/cli\/[a-z-]+\.js$/.test(f) &&
            !/^bin\/program\/[a-z-]+\.(js|d\.ts)$/.test(f) &&
            !/^node_modules\/@pulumi\/authentik\/(package\.json|README\.md|bin\/.+)$/.test(f) &&
            // The README and the pages it links to (their links resolve in the tarball: the test below).
            !/^docs\/[a-z0-9-]+\.md$/.test(f) &&
            !["package.json", "README.md", "components/k3s/runbook.sh", "templates/headlamp-k3s/README.md", "sdks/authentik/README.md"].includes(f));
        assert.deepStrictEqual(unexpected, [], "the tarball ships files it does not need (program, tests, sources?)");
        const manifest = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], tmp, 30_000)) as Record<string, unknown>;
        assert.strictEqual(manifest.main, "bin/components/index.js");
        assert.strictEqual(manifest.types, "bin/components/index.d.ts");
        assert.deepStrictEqual(manifest.bin, { "headlamp-sso": "bin/cli/bin.js" }, "the doctor is the package's bin");
        assert.deepStrictEqual(manifest.bundleDependencies, ["@pulumi/authentik"]);
        assert.ok(!("@pulumi/pulumi" in (manifest.dependencies as Record<string, string>)), "@pulumi/pulumi must be a peer, not a dependency");
        assert.ok((manifest.peerDependencies as Record<string, string>)["@pulumi/pulumi"]);
    });

    it("the README's links resolve inside the tarball: the docs pages it links to ship with it", function () {
        // npm shows the packed README.md; a link to docs/ or the template's README must not be a 404.
        const dir = fs.mkdtempSync(path.join(tmp, "readme-"));
        run("tar", ["-xzf", tarball, "-C", dir], tmp, 30_000);
        const root = path.join(dir, "package");
        assert.ok(fs.existsSync(path.join(root, "docs", "deploy.md")), "the tarball has docs/");
        assert.deepStrictEqual(brokenLinks(root), []);
    });

    it("installs offline into a fresh project with one @pulumi/pulumi and the bundled SDK inside", function () {
        project = path.join(tmp, "consumer");
        fs.mkdirSync(project);
        fs.copyFileSync(tarball, path.join(project, path.basename(tarball)));
        const pkg = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], tmp, 30_000)) as Manifest;
        const repoPkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Manifest;
        const rootDeps = {
            "headlamp-sso": `file:${path.basename(tarball)}`,
            "@pulumi/pulumi": repoPkg.devDependencies["@pulumi/pulumi"],
            "@types/node": repoPkg.devDependencies["@types/node"],
        };
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, dependencies: rootDeps }, null, 2));
        fs.writeFileSync(path.join(project, "package-lock.json"), JSON.stringify(consumerLock(pkg, tarball, rootDeps), null, 2));

        run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], project, 180_000);

        const nm = path.join(project, "node_modules");
        assert.ok(fs.existsSync(path.join(nm, "headlamp-sso", "bin", "components", "index.js")));
        const sdk = path.join(nm, "headlamp-sso", "node_modules", "@pulumi", "authentik");
        assert.ok(!fs.lstatSync(sdk).isSymbolicLink(), "the bundled SDK must be real files, not a link");
        assert.ok(fs.existsSync(path.join(sdk, "bin", "index.js")), "the bundled SDK has no compiled bin/");
        const sdkPkg = JSON.parse(fs.readFileSync(path.join(sdk, "package.json"), "utf8")) as { pulumi: { parameterization: { name: string } } };
        assert.strictEqual(sdkPkg.pulumi.parameterization.name, "authentik");
        const pulumis = run("find", [nm, "-path", "*/@pulumi/pulumi/package.json"], project, 30_000).split("\n").filter(Boolean);
        assert.deepStrictEqual(pulumis, [path.join(nm, "@pulumi", "pulumi", "package.json")], "exactly one @pulumi/pulumi (the consumer's)");
        // A lean install: the doctor reads Authentik's API itself; its 59 MB client is only a devDependency.
        assert.ok(!("@goauthentik/api" in pkg.dependencies), "@goauthentik/api is not a dependency of the package");
        const authentikClients = run("find", [nm, "-path", "*/@goauthentik/api/package.json"], project, 30_000).split("\n").filter(Boolean);
        assert.deepStrictEqual(authentikClients, [], "the installed tree has no @goauthentik/api");
        const sizeOf = (dir: string) => Number(run("du", ["-sk", dir], project, 30_000).split("\t")[0]);
        const total = sizeOf(nm);
        const peers = sizeOf(path.join(nm, "@pulumi", "pulumi")) + sizeOf(path.join(nm, "@types", "node"));
        console.log(`      installed tree: ${(total / 1024).toFixed(1)} MB in node_modules (${((total - peers) / 1024).toFixed(1)} MB without the consumer's own @pulumi/pulumi and @types/node)`);
    });

    it("compiles examples/consumer against the installed package and runs it under mocks", function () {
        assert.ok(project, "the install test did not run");
        fs.copyFileSync(path.join(ROOT, "examples", "consumer", "index.ts"), path.join(project, "index.ts"));
        // The consumer's own tsconfig: no path mapping, so "headlamp-sso" comes from node_modules.
        fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({
            compilerOptions: {
                target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true,
                esModuleInterop: true, skipLibCheck: false, outDir: "bin", types: ["node"],
            },
            files: ["index.ts"],
        }, null, 2));
        // skipLibCheck false: the whole of @pulumi/* type-checks, slow on a busy machine with the suite in parallel.
        run(process.execPath, [TSC, "-p", "tsconfig.json"], project, 300_000);
        fs.writeFileSync(path.join(project, "run-mocks.js"), RUNNER);
        const out = run(process.execPath, ["run-mocks.js"], project, 120_000);
        const marker = out.indexOf("@@RESULT@@");
        assert.ok(marker >= 0, `the consumer printed no result:\n${out}`);
        const result = JSON.parse(out.slice(marker + "@@RESULT@@".length)) as RunResult;

        const count = (type: string, parentType?: string) =>
            result.resources.filter((r) => r.type === type && (parentType === undefined || r.parentType === parentType)).length;
        const app = "headlamp-sso:index:AuthentikOidcApp";
        const k3s = "headlamp-sso:index:K3sOidcApiServer";
        const headlamp = "headlamp-sso:index:HeadlampRelease";
        const expected: [string, string, number][] = [
            [app, "", 1],
            [k3s, "", 1],
            [headlamp, "", 1],
            ["authentik:index/providerOauth2:ProviderOauth2", app, 1],
            ["authentik:index/application:Application", app, 1],
            ["authentik:index/propertyMappingProviderScope:PropertyMappingProviderScope", app, 1],
            ["authentik:index/policyBinding:PolicyBinding", app, 1],
            ["command:remote:Command", k3s, 1],
            ["kubernetes:core/v1:Namespace", headlamp, 1],
            ["kubernetes:core/v1:Secret", headlamp, 1],
            ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", headlamp, 1],
            ["kubernetes:helm.sh/v3:Release", headlamp, 1],
            ["random:index/randomId:RandomId", headlamp, 1],
        ];
        const got = expected.map(([type, parentType]) => [type, parentType, count(type, parentType)]);
        assert.deepStrictEqual(got, expected, `registrations: ${JSON.stringify(result.resources, null, 1)}`);
        const stray = result.resources.filter((r) => !expected.some(([t]) => t === r.type) && r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"));
        assert.deepStrictEqual(stray, [], "resources nobody expected");
        assert.ok(result.invokes.includes("authentik:index/getFlow:getFlow"), "the bundled SDK's invokes went through the consumer's runtime");
        // The consumer built its Authentik provider from the SDK the package re-exports, and every
        // Authentik resource uses it.
        const providers = result.resources.filter((r) => r.type === "pulumi:providers:authentik");
        assert.deepStrictEqual(providers.map((r) => r.name), ["authentik"], "one explicit Authentik provider, from headlamp-sso's authentik export");
        for (const r of result.resources.filter((x) => x.type.startsWith("authentik:"))) {
            assert.strictEqual(r.provider, `${providers[0].urn}::authentik-id`, `${r.type} ${r.name} uses the consumer's provider`);
        }
        assert.deepStrictEqual(result.outputs, {
            headlampUrl: "https://headlamp.example.com/",
            issuerUrl: "https://auth.example.com/application/o/headlamp/",
            clientId: "headlamp",
        });
    });
    it("compiles the pulumi new template against the installed package; with the prompted answers and defaults it registers what the root program registers", async function () {
        assert.ok(project, "the install test did not run");
        const dir = path.join(project, "template");
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(TEMPLATE_DIR, "index.ts"), path.join(dir, "index.ts"));
        // The template's own tsconfig; its repository-only path mapping points nowhere here, so
        // headlamp-sso/program comes from the installed package's "exports".
        fs.copyFileSync(path.join(TEMPLATE_DIR, "tsconfig.json"), path.join(dir, "tsconfig.json"));
        run(process.execPath, [TSC, "-p", "tsconfig.json"], dir, 120_000);
        fs.writeFileSync(path.join(dir, "run-mocks.js"), TEMPLATE_RUNNER);
        const answered = templateStackConfig(TEMPLATE_PROJECT);
        const out = await new Promise<string>((resolve, reject) => {
            execFile(process.execPath, ["run-mocks.js"], { cwd: dir, encoding: "utf8", env: { ...childEnv(), TEMPLATE_CONFIG: JSON.stringify({ ...answered, project: TEMPLATE_PROJECT }) }, timeout: 120_000 },
                (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout)));
        });
        const marker = out.indexOf("@@RESULT@@");
        assert.ok(marker >= 0, `the template printed no result:\n${out}`);
        const template = JSON.parse(out.slice(marker + "@@RESULT@@".length)) as { resources: { type: string; name: string; parentType: string; inputs?: { values?: Record<string, unknown> } }[]; outputs: Record<string, unknown> };

        // The root program, in this process, with the same answers in its own namespace (plus its Pulumi.yaml defaults, as the CLI adds them).
        const root = templateStackConfig("headlamp-sso");
        const h = await MockHarness.install({ config: { ...stackConfig({}), ...root.config }, secretKeys: root.secretKeys, project: "headlamp-sso", stack: "dev" });
        const entry = require.resolve("../../index");
        delete require.cache[entry];
        const captured = captureWarnings();
        const rootOutputs: Record<string, unknown> = {};
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program = require(entry) as Record<string, unknown>;
            for (const [k, v] of Object.entries(program)) {
                rootOutputs[k] = v === undefined ? null : await valueOf(pulumi.output(v));
            }
            await h.settle();
        } finally {
            captured.restore();
        }
        const byUrn = new Map(h.resources.map((r) => [r.urn, r]));
        const shape = (rs: { type: string; name: string; parentType: string }[]) => rs
            .filter((r) => r.type !== "pulumi:pulumi:Stack")
            .map((r) => `${r.type} ${r.name} under ${r.parentType || "(stack)"}`)
            .sort();
        const rootShape = shape(h.resources.map((r) => ({ type: r.type, name: r.name, parentType: r.parent ? byUrn.get(r.parent)?.type ?? "?" : "" })));
        assert.deepStrictEqual(shape(template.resources), rootShape);
        assert.ok(rootShape.length >= 12, `the whole program ran: ${rootShape.join("\n")}`);

        // The same Helm values (the checksum annotation aside: it hashes each run's mock client secret).
        const withoutChecksums = (values: Record<string, unknown> | undefined) => ({ ...values, podAnnotations: undefined });
        const templateRelease = template.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
        assert.deepStrictEqual(withoutChecksums(templateRelease?.inputs?.values), withoutChecksums(h.one("kubernetes:helm.sh/v3:Release").inputs.values as Record<string, unknown>));
        // The drop-in's owner line names the component's URN, which holds the project's name.
        const plain = (o: Record<string, unknown>, project: string) => ({
            headlampUrl: o.headlampUrl, issuerUrl: o.issuerUrl, clientId: o.clientId,
            apiServerDropIn: String(o.apiServerDropIn).split(`::${project}::`).join("::<project>::"),
        });
        assert.deepStrictEqual(plain(template.outputs, TEMPLATE_PROJECT), plain(rootOutputs, "headlamp-sso"));
        // The same stack outputs (the doctor reads apiServerInspect from either).
        assert.deepStrictEqual(Object.keys(template.outputs).sort(), Object.keys(rootOutputs).sort());
        assert.strictEqual(template.outputs.headlampUrl, "https://headlamp.example.com/");
    });

    it("the package's bin runs `headlamp-sso doctor` from the installed tarball against the fake issuer, Authentik API and Headlamp", async function () {
        assert.ok(project, "the install test did not run");
        const bin = path.join(project, "node_modules", ".bin", "headlamp-sso");
        fs.accessSync(bin, fs.constants.X_OK);
        const help = spawnSync(bin, ["doctor", "--help"], { cwd: project, encoding: "utf8", env: childEnv() });
        assert.strictEqual(help.status, 0, help.stderr);
        assert.match(help.stdout, /^Usage: headlamp-sso doctor/);
        const usage = spawnSync(bin, ["doctor", "--bogus"], { cwd: project, encoding: "utf8", env: childEnv() });
        assert.strictEqual(usage.status, 2);
        assert.match(usage.stderr, /unknown argument "--bogus"/);

        const pki = new TestPki();
        const idp = await FakeAuthentik.start();
        const headlamp = await FakeHeadlamp.start(pki, { issuerUrl: idp.issuerUrl, issuerCaPem: idp.caPem, clientId: idp.clientId });
        const apiToken = "pack-test-api-token";
        const api = await FakeAuthentikApi.start(pki, {
            idp, token: apiToken, user: { username: "alice", email: "alice@example.com", groups: ["k8s-admins"] },
            redirectUris: [{ matching_mode: "strict", url: `${headlamp.url}oidc-callback` }, { matching_mode: "strict", url: "http://localhost:8000" }],
        });
        try {
            const caFile = path.join(tmp, "ca.pem");
            fs.writeFileSync(caFile, `${idp.caPem}${pki.ca.certPem}`);
            const tokenFile = path.join(tmp, "token.jwt");
            fs.writeFileSync(tokenFile, await idp.mint({ username: "alice", email: "alice@example.com", groups: ["k8s-admins"] }));
            // Asynchronous: the fakes answer from this process.
            const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
                execFile(bin, ["doctor", "--no-stack", "--json", "--issuer", idp.issuerUrl, "--client-id", idp.clientId, "--headlamp-url", headlamp.url, "--authentik-url", api.baseUrl, "--ca-file", caFile, "--token-file", tokenFile],
                    { cwd: project, encoding: "utf8", env: { ...childEnv(), AUTHENTIK_TOKEN: apiToken } },
                    (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
            });
            assert.strictEqual(r.code, 0, `${r.stdout}\n${r.stderr}`);
            const rows = JSON.parse(r.stdout) as { check: string; status: string }[];
            const passed = rows.filter((x) => x.status === "pass").map((x) => x.check);
            assert.deepStrictEqual(passed, ["issuer", "signing", "provider", "authentik-version", "redirect-uris", "scope-mappings", "grant-types", "headlamp", "headlamp-login", "token", "token-claims"]);
            assert.ok(api.requests.some((q) => q.startsWith("GET /api/v3/providers/oauth2/")), "the Authentik checks read the API from the installed package");
            assert.ok(api.requests.includes("GET /api/v3/admin/settings/"), "...and the system settings");
            assert.ok(api.requests.includes("GET /api/v3/admin/version/"), "...and the release");
        } finally {
            await Promise.all([idp.stop(), headlamp.stop(), api.stop()]);
            pki.remove();
        }
    });
});
