// The component package for the Pulumi CLI lives in provider/, apart from the program. The CLI
// treats a folder with PulumiPlugin.yaml as a plugin, not a project: beside Pulumi.yaml it breaks
// `pulumi install` (only the plugin's npm install runs, Pulumi.yaml's `packages:` is skipped) and
// every `pulumi package` command ("detected both PulumiPlugin.yaml and Pulumi.yaml"). For a git
// source the CLI clones the repository into its plugin cache and runs `npm install --production` in
// the plugin folder only (sdk/go/common/workspace/plugins.go, PluginSpec.InstallDependencies), so
// provider/ must bring every dependency itself. The last test does just that in a fresh copy of the
// repository, offline, and asks the real plugin host (@pulumi/pulumi's cmd/run-plugin, started as
// the Node.js language host starts it) for the schema over gRPC.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";
import { FakeEngine, startFakeEngine } from "../fake-engine";
import { childEnv, LockFile, Manifest, npmRegistry, providerLock, readJson, ROOT, run } from "../npm";
import { COMPONENTS, PROVIDER_DIR, schemaOf } from "../schema";

const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml", "Pulumi.json"];
const PLUGIN_FILES = ["PulumiPlugin.yaml", "PulumiPlugin.yml", "PulumiPlugin.json"];

/** What git ignores (.gitignore) or keeps to itself: not part of a clone. */
const NOT_CLONED = ["node_modules", "bin", ".git", ".pulumi"];

/** Every folder of the repository (not node_modules, bin or .git), relative to the root. */
function folders(dir = ROOT): string[] {
    const out = [path.relative(ROOT, dir) || "."];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory() && !NOT_CLONED.includes(entry.name)) {
            out.push(...folders(path.join(dir, entry.name)));
        }
    }
    return out;
}

/** Copies the repository as a clone holds it: no node_modules, no build output, no packed tarballs. */
function copyAsClone(dest: string): void {
    for (const dir of folders()) {
        fs.mkdirSync(path.join(dest, dir), { recursive: true });
        for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            if (entry.isFile() && !entry.name.endsWith(".tgz")) {
                fs.copyFileSync(path.join(ROOT, dir, entry.name), path.join(dest, dir, entry.name));
            }
        }
    }
}

/** The probe the plugin host loads first (NODE_OPTIONS): on SIGUSR2 it writes the modules it loaded. */
const PROBE = `process.on("SIGUSR2", () => require("fs").writeFileSync(process.env.HEADLAMP_SSO_PROBE_OUT, JSON.stringify(Object.keys(require.cache))));`;

interface PluginHost {
    child: ChildProcess;
    port: number;
    output: () => string;
    /** The folders of every @pulumi/pulumi the host process has loaded so far (real paths). */
    loadedPulumis: () => Promise<string[]>;
}

/**
 * Starts the plugin as pulumi-language-nodejs's RunPlugin does: `node <run-plugin> <plugin dir>
 * [<engine address>]`, with run-plugin located from the plugin folder (locateModule: Node's
 * resolution of `@pulumi/pulumi/cmd/run-plugin` from the program directory), in `cwd`: the CLI's
 * working directory, whose tsconfig.json the host's ts-node reads (run-plugin's run.ts).
 */
async function startPluginHost(pluginDir: string, cwd: string, engineAddress?: string): Promise<PluginHost> {
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [pluginDir] });
    const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), "headlamp-sso-probe-"));
    fs.writeFileSync(path.join(probeDir, "probe.js"), PROBE);
    const probeOut = path.join(probeDir, "loaded.json");
    const child = spawn(process.execPath, [runPlugin, pluginDir, ...(engineAddress ? [engineAddress] : [])], {
        cwd,
        env: { ...childEnv(), NODE_OPTIONS: `--require ${path.join(probeDir, "probe.js")}`, HEADLAMP_SSO_PROBE_OUT: probeOut },
        stdio: ["ignore", "pipe", "pipe"],
    });
    child.on("exit", () => fs.rmSync(probeDir, { recursive: true, force: true }));
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
    const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
            stdout += d.toString();
            const m = /^(\d+)\s*$/m.exec(stdout);
            if (m) {
                resolve(Number(m[1]));
            }
        });
        child.on("exit", (code) => reject(new Error(`the plugin host exited (${code}) before it served:\n${output()}`)));
    });
    const loadedPulumis = async () => {
        fs.rmSync(probeOut, { force: true });
        child.kill("SIGUSR2");
        for (let i = 0; i < 100 && !fs.existsSync(probeOut); i++) {
            await new Promise((r) => setTimeout(r, 50));
        }
        const modules = JSON.parse(fs.readFileSync(probeOut, "utf8")) as string[];
        return [...new Set(modules.map((m) => /^(.*\/node_modules\/@pulumi\/pulumi)\//.exec(m)?.[1]).filter((d): d is string => d !== undefined))];
    };
    return { child, port, output, loadedPulumis };
}

/** The plugin's own grpc client and protobuf stubs (of the @pulumi/pulumi it resolves), loaded by path. */
function pluginProtos(pluginDir: string): { grpc: any; provrpc: any; provpb: any; structpb: any } {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [pluginDir] }));
    /* eslint-disable @typescript-eslint/no-require-imports */
    return {
        grpc: require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })),
        provrpc: require(path.join(pulumiDir, "proto", "provider_grpc_pb.js")),
        provpb: require(path.join(pulumiDir, "proto", "provider_pb.js")),
        structpb: require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] })),
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
}

/** A test SSH key's shape (the component checks the PEM header; nothing connects in a preview). */
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

/**
 * Constructs K3sOidcApiServer through the plugin host (started in `cwd`) as the engine does for
 * another language's program (ResourceProvider.Construct with the monitor's address, a preview),
 * against the stand-in engine. Returns the component's URN, what the engine saw and which
 * @pulumi/pulumi copies the host had loaded by then.
 */
async function constructThroughHost(pluginDir: string, cwd: string): Promise<{ urn: string; engine: FakeEngine; pulumis: string[]; schema: unknown }> {
    const engine = await startFakeEngine();
    const host = await startPluginHost(pluginDir, cwd, engine.address);
    const { grpc, provrpc, provpb, structpb } = pluginProtos(pluginDir);
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${host.port}`, grpc.credentials.createInsecure());
    try {
        // The engine asks a new plugin for its schema before it constructs (one host for both: each
        // start type-checks the components, about 10 s of CPU).
        const schema = await getSchemaOverGrpc(pluginDir, host.port);
        const req = new provpb.ConstructRequest();
        req.setProject("consumer");
        req.setStack("dev");
        req.setDryrun(true);
        req.setParallel(4);
        req.setMonitorendpoint(engine.address);
        req.setType("headlamp-sso:index:K3sOidcApiServer");
        req.setName("k3s");
        req.setInputs(structpb.Struct.fromJavaScript({
            servers: [{ host: "k3s-1.example.lan", privateKey: SSH_KEY }],
            issuerUrl: "https://auth.example.com/application/o/headlamp/",
            clientId: "headlamp",
        }));
        const urn = await new Promise<string>((resolve, reject) =>
            client.construct(req, (err: Error | null, resp: { getUrn(): string }) => (err ? reject(err) : resolve(resp.getUrn()))));
        return { urn, engine, pulumis: await host.loadedPulumis(), schema };
    } catch (e) {
        throw new Error(`Construct failed: ${(e as Error).message}\nengine log:\n${engine.logs.join("\n")}\n${host.output()}`);
    } finally {
        client.close();
        host.child.kill();
        await engine.stop();
    }
}

/** What a successful Construct of K3sOidcApiServer "k3s" registered. */
function assertConstructed(result: { urn: string; engine: FakeEngine; pulumis: string[] }, pluginDir: string): void {
    const component = "urn:pulumi:dev::consumer::headlamp-sso:index:K3sOidcApiServer::k3s";
    assert.strictEqual(result.urn, component);
    const registered = result.engine.registrations.map((r) => `${r.type} ${r.name} parent=${r.parent}`);
    assert.deepStrictEqual(registered, [
        "headlamp-sso:index:K3sOidcApiServer k3s parent=",
        `command:remote:Command k3s-k3s-1.example.lan parent=${component}`,
    ]);
    assert.ok(result.engine.outputs.has(component), "the component registered its outputs");
    // One @pulumi/pulumi: the one Node resolves from the plugin folder (the host's) is the one the
    // components resolve from ../components, and it is the only one the host process loaded.
    const fromHost = fs.realpathSync(path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [pluginDir] })));
    const fromComponents = fs.realpathSync(path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [path.join(pluginDir, "..", "components")] })));
    assert.strictEqual(fromHost, fromComponents, "the plugin host and the components resolve different copies of @pulumi/pulumi");
    assert.deepStrictEqual(result.pulumis.map((d) => fs.realpathSync(d)), [fromHost], `the plugin host loaded ${result.pulumis.length} copies of @pulumi/pulumi`);
}

/** GetSchema over gRPC, with the grpc client and protobuf stubs of the plugin's own @pulumi/pulumi. */
async function getSchemaOverGrpc(pluginDir: string, port: number): Promise<unknown> {
    const { grpc, provrpc, provpb } = pluginProtos(pluginDir);
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
        const request = new provpb.GetSchemaRequest();
        request.setVersion(0);
        const schema = await new Promise<string>((resolve, reject) =>
            client.getSchema(request, (err: Error | null, resp: { getSchema(): string }) => (err ? reject(err) : resolve(resp.getSchema()))));
        return JSON.parse(schema);
    } finally {
        client.close();
    }
}

let analyzed: unknown;

/** The analyzer's schema as the host sends it: JSON (undefined fields drop out). Analyzed once per file. */
function expectedSchema(): unknown {
    analyzed ??= JSON.parse(JSON.stringify(schemaOf()));
    return analyzed;
}

/** The .ts files under a folder of the repository, recursively. */
function tsFilesUnder(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(ROOT, dir, f));
}

describe("package: the component package folder for the Pulumi CLI (provider/)", function () {
    // The plugin host type-checks everything it loads (ts-node typeCheck, as run-plugin does it).
    this.timeout(600_000);

    it("no folder holds both a plugin manifest and a project file; the only plugin is provider/, the program is the root", function () {
        const plugins: string[] = [];
        const projects: string[] = [];
        const both: string[] = [];
        for (const dir of folders()) {
            const hasPlugin = PLUGIN_FILES.some((f) => fs.existsSync(path.join(ROOT, dir, f)));
            const hasProject = PROJECT_FILES.some((f) => fs.existsSync(path.join(ROOT, dir, f)));
            if (hasPlugin) {
                plugins.push(dir);
            }
            if (hasProject) {
                projects.push(dir);
            }
            if (hasPlugin && hasProject) {
                both.push(dir);
            }
        }
        assert.deepStrictEqual(both, [], "PulumiPlugin.yaml beside Pulumi.yaml makes the Pulumi CLI treat the program as a plugin: keep them in separate folders");
        assert.deepStrictEqual(plugins, ["provider"]);
        assert.ok(projects.includes("."), "the program's Pulumi.yaml stays at the repository root");
    });

    it("provider/'s entry exports exactly the three components and nothing else", function () {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const entry = require(PROVIDER_DIR) as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(entry).sort(), [...COMPONENTS].sort());
        assert.deepStrictEqual(getPulumiComponents(entry).map((c) => c.name).sort(), [...COMPONENTS].sort());
    });

    it("provider/package.json is the library's name, version and description, and pins what package-lock.json resolved", function () {
        const root = readJson<Manifest>("package.json");
        const provider = readJson<Manifest>("provider", "package.json");
        assert.strictEqual(provider.name, root.name, "the provider is named after package.json's name; the type tokens depend on it");
        assert.strictEqual(provider.version, root.version);
        assert.strictEqual(provider.description, root.description);
        assert.ok(fs.existsSync(path.join(PROVIDER_DIR, provider.main ?? "")), `provider/package.json main ${provider.main} does not exist`);
        const lock = readJson<LockFile>("package-lock.json").packages;
        // Everything the components import at run time, @pulumi/pulumi for the plugin host, and the
        // TypeScript toolchain and types the host's ts-node (typeCheck) and the analyzer use. The
        // package's other dependencies belong to the doctor (cli/), which the plugin never loads.
        const componentSources = tsFilesUnder("components").map((f) => fs.readFileSync(f, "utf8"));
        const imports = (sources: string[], name: string) => sources.some((text) => new RegExp(`(from |require\\()"${name}(/[^"]*)?"`).test(text));
        const componentDeps = Object.keys(root.dependencies).filter((name) => imports(componentSources, name));
        const cliOnly = Object.keys(root.dependencies).filter((name) => !componentDeps.includes(name));
        const cliSources = tsFilesUnder("cli").map((f) => fs.readFileSync(f, "utf8"));
        assert.deepStrictEqual(cliOnly.filter((name) => !imports(cliSources, name)), [], "a dependency neither the components nor the doctor import");
        const needed = [...componentDeps, "@pulumi/pulumi", "typescript", "ts-node", "@types/node", "@types/shell-quote"];
        const wrong = needed.filter((name) => {
            const want = root.dependencies[name]?.startsWith("file:") ? `file:../${root.dependencies[name].slice("file:".length)}` : lock[`node_modules/${name}`]?.version;
            return provider.dependencies[name] !== want;
        }).map((name) => `${name}: ${provider.dependencies[name]} (package-lock.json: ${lock[`node_modules/${name}`]?.version})`);
        assert.deepStrictEqual(wrong, [], "provider/package.json must pin each dependency to the root lockfile's version");
        assert.deepStrictEqual(Object.keys(provider.dependencies).sort(), [...needed].sort(), "provider/package.json depends on something the components do not need");
    });

    it("provider/package-lock.json locks the same versions as the repository's package-lock.json", function () {
        const committed = readJson<LockFile>("provider", "package-lock.json");
        assert.deepStrictEqual(committed, providerLock(),
            "provider/package-lock.json is out of step with package-lock.json: run `npx ts-node tests/npm.ts`");
    });

    describe("as a local path, installed as the Pulumi CLI does it: `npm ci` ran at the root, then the CLI's `npm install` in provider/", function () {
        let tmp: string;
        let copy: string;
        let installed: string;
        let hosted: ReturnType<typeof constructThroughHost> | undefined;

        before(function () {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "headlamp-sso-checkout-"));
            copy = path.join(tmp, "repo");
            copyAsClone(copy);
            // What `npm ci` at the root leaves: this repository's own node_modules (the tree `npm ci`
            // installed for this run, hard-linked) and the compiled Authentik SDK (its prepare).
            for (const dir of ["node_modules", path.join("sdks", "authentik", "bin")]) {
                try {
                    run("cp", ["-al", path.join(ROOT, dir), path.join(copy, dir)], ROOT, 120_000);
                } catch {
                    run("cp", ["-a", path.join(ROOT, dir), path.join(copy, dir)], ROOT, 120_000);
                }
            }
            fs.writeFileSync(path.join(copy, "provider", "package-lock.json"), JSON.stringify(providerLock(npmRegistry()), null, 2));
            // `pulumi package add <path>/provider` (and `package get-schema`) run `npm install` there.
            installed = run("npm", ["install", "--offline", "--no-audit", "--no-fund"], path.join(copy, "provider"), 240_000);
        });

        after(function () {
            if (tmp) {
                fs.rmSync(tmp, { recursive: true, force: true });
            }
        });

        it("the install leaves one node_modules: the root's serves the plugin host and the components", function () {
            assert.match(installed, /serves the plugin and the components/);
            assert.ok(!fs.existsSync(path.join(copy, "provider", "node_modules")), "provider/node_modules is left beside the root's: two copies of @pulumi/pulumi");
            assert.ok(fs.lstatSync(path.join(copy, "node_modules")).isDirectory(), "the root's node_modules is untouched");
            assert.ok(fs.existsSync(path.join(copy, "node_modules", "mocha", "package.json")), "the root's dev dependencies are untouched");
        });

        // `pulumi package get-schema ./provider` run in the repository root: the CLI starts the
        // plugin there, so the host's ts-node (type-checking) reads the root's tsconfig.json.
        it("the plugin host started from the repository root (the CLI's working directory for `get-schema ./provider`) serves the analyzer's schema", async function () {
            hosted ??= constructThroughHost(path.join(copy, "provider"), copy);
            const schema = (await hosted).schema as { resources: Record<string, unknown> };
            assert.deepStrictEqual(Object.keys(schema.resources).sort(), COMPONENTS.map((c) => `headlamp-sso:index:${c}`).sort());
            assert.deepStrictEqual(schema, expectedSchema());
        });

        it("a component constructed through the plugin host registers (one @pulumi/pulumi, the root's)", async function () {
            hosted ??= constructThroughHost(path.join(copy, "provider"), copy);
            const result = await hosted;
            assertConstructed(result, path.join(copy, "provider"));
            assert.strictEqual(fs.realpathSync(result.pulumis[0]), fs.realpathSync(path.join(copy, "node_modules", "@pulumi", "pulumi")));
        });
    });

    describe("installed as the Pulumi CLI installs a git source: a fresh copy, npm install in provider/ only", function () {
        let tmp: string;
        let copy: string;
        let hosted: ReturnType<typeof constructThroughHost> | undefined;

        before(function () {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "headlamp-sso-plugin-"));
            copy = path.join(tmp, "repo");
            copyAsClone(copy);
            assert.ok(!fs.existsSync(path.join(copy, "node_modules")) && !fs.existsSync(path.join(copy, "sdks", "authentik", "bin")));
            // The committed lockfile's versions, with tarball URLs so npm takes them from the cache.
            fs.writeFileSync(path.join(copy, "provider", "package-lock.json"), JSON.stringify(providerLock(npmRegistry()), null, 2));
            // InstallDependencies: `npm install --loglevel=error --production` in the plugin folder.
            run("npm", ["install", "--loglevel=error", "--production", "--offline", "--no-audit", "--no-fund"], path.join(copy, "provider"), 240_000);
        });

        after(function () {
            if (tmp) {
                fs.rmSync(tmp, { recursive: true, force: true });
            }
        });

        it("the install links the root's node_modules to provider/'s and compiles the Authentik SDK", function () {
            assert.strictEqual(fs.realpathSync(path.join(copy, "node_modules")), fs.realpathSync(path.join(copy, "provider", "node_modules")));
            assert.ok(fs.existsSync(path.join(copy, "sdks", "authentik", "bin", "index.js")), "sdks/authentik/bin/index.js was not compiled");
            const pulumis = run("find", ["-L", path.join(copy, "provider", "node_modules"), "-path", "*/@pulumi/pulumi/package.json"], copy, 30_000).split("\n").filter(Boolean);
            assert.strictEqual(pulumis.length, 1, `one @pulumi/pulumi for the host and the components: ${pulumis.join(", ")}`);
        });

        it("the plugin host serves the same schema as the analyzer builds from the repository", async function () {
            hosted ??= constructThroughHost(path.join(copy, "provider"), path.join(copy, "provider"));
            assert.deepStrictEqual((await hosted).schema, expectedSchema());
        });

        it("a component constructed through the plugin host registers (one @pulumi/pulumi, provider/'s)", async function () {
            hosted ??= constructThroughHost(path.join(copy, "provider"), path.join(copy, "provider"));
            const result = await hosted;
            assertConstructed(result, path.join(copy, "provider"));
            assert.strictEqual(fs.realpathSync(result.pulumis[0]), fs.realpathSync(path.join(copy, "provider", "node_modules", "@pulumi", "pulumi")));
        });
    });
});
