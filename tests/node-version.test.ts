// Node.js 22 and 24: every package.json of the repository declares what @pulumi/pulumi itself
// requires (its engines say node >= 22; Node.js 20 reached its end of life on 2026-04-30), the
// README and docs/deploy.md say so, and CI brings Node 24 LTS where the machine's node is older.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { markdownFiles } from "./markdown-links";
import { Manifest, readJson, ROOT } from "./npm";

describe("Node.js 22 or 24", () => {
    const pulumiEngines = readJson<Manifest>("node_modules", "@pulumi", "pulumi", "package.json").engines?.node;

    it("provider/ and examples/* declare engines node >=22, as @pulumi/pulumi does; the package >=22.12, for the doctor's jose", () => {
        assert.strictEqual(pulumiEngines, ">=22");
        const manifests = [path.join("provider", "package.json"),
            ...fs.readdirSync(path.join(ROOT, "examples")).map((e) => path.join("examples", e, "package.json"))];
        const engines = Object.fromEntries(manifests.map((m) => [m, readJson<Manifest>(m).engines?.node]));
        assert.deepStrictEqual(engines, Object.fromEntries(manifests.map((m) => [m, ">=22"])));
        // The doctor (bin/cli, CommonJS) require()s jose, which is ESM only: Node loads an ES module
        // through require() without a flag from 22.12 (and in every 24).
        assert.strictEqual(readJson<Manifest & { type?: string }>("node_modules", "jose", "package.json").type, "module", "jose is ESM only");
        assert.strictEqual(readJson<Manifest>("package.json").engines?.node, ">=22.12");
        assert.strictEqual((readJson<{ packages: Record<string, Manifest> }>("package-lock.json").packages[""]).engines?.node, ">=22.12");
    });

    it("the README's test prerequisites and docs/deploy.md's deploy prerequisites say Node.js 22 or 24, and no Markdown file anything older", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        assert.match(readme, /On a fresh machine with Node\.js 22 or 24 and npm 11/);
        const deploy = fs.readFileSync(path.join(ROOT, "docs", "deploy.md"), "utf8");
        assert.match(deploy, /- The \[Pulumi CLI\][^\n]*\n?[^\n]*Node\.js 22 or 24/);
        for (const file of markdownFiles(ROOT)) {
            assert.doesNotMatch(fs.readFileSync(path.join(ROOT, file), "utf8"), /Node\.js 20\+|Node\.js 18/, file);
        }
    });

    describe(".ci/node.sh (sourced by .ci/run) with stand-in node and npm", () => {
        let tmp: string;
        beforeEach(() => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "headlamp-sso-node-"));
        });
        afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

        /**
         * Runs .ci/node.sh under bash with HOME in the temporary folder and, first on PATH, a `node`
         * of the given version and an `npm` that records its arguments and, for `install --prefix
         * <dir> node-linux-<arch>@<v>`, puts a node of that version where the package has its binary.
         */
        function source(machineNode: string): { calls: string[]; node: string; version: string } {
            const bin = path.join(tmp, "bin");
            fs.mkdirSync(bin, { recursive: true });
            const fakeNode = (version: string) => `#!/bin/sh
case "$1" in
    --version) echo "v${version}" ;;
    -p) echo "${version.split(".")[0]}" ;;
esac
`;
            fs.writeFileSync(path.join(bin, "node"), fakeNode(machineNode), { mode: 0o755 });
            fs.writeFileSync(path.join(bin, "npm"), [
                "#!/bin/sh",
                `echo "$*" >> "${tmp}/npm-calls"`,
                '[ "$1" = "--version" ] && { echo 11.19.1; exit 0; }',
                "prefix=$3",
                "for last; do :; done",
                'pkg=${last%@*}',
                'version=${last#*@}',
                'mkdir -p "$prefix/node_modules/$pkg/bin"',
                'printf \'#!/bin/sh\\ncase "$1" in --version) echo v%s ;; -p) echo %s ;; esac\\n\' "$version" "${version%%.*}" > "$prefix/node_modules/$pkg/bin/node"',
                'chmod +x "$prefix/node_modules/$pkg/bin/node"',
                "",
            ].join("\n"), { mode: 0o755 });
            const out = execFileSync("bash", ["-c", `set -euo pipefail; . "${path.join(ROOT, ".ci", "node.sh")}" >/dev/null; command -v node; node --version`], {
                env: { PATH: `${bin}:/usr/bin:/bin`, HOME: tmp },
                encoding: "utf8",
            }).trim().split("\n");
            const calls = fs.existsSync(path.join(tmp, "npm-calls")) ? fs.readFileSync(path.join(tmp, "npm-calls"), "utf8").trim().split("\n") : [];
            return { calls: calls.filter((c) => c !== "--version"), node: out[0], version: out[1] };
        }

        it("a machine with Node 20 gets Node 24 from the registry's node-linux package, cached, first on PATH", function () {
            const arch = ({ x64: "x64", arm64: "arm64" } as Record<string, string>)[process.arch];
            if (!arch) {
                this.skip();
            }
            const cached = path.join(tmp, ".cache", "headlamp-sso", "node");
            const first = source("20.20.2");
            assert.strictEqual(first.calls.length, 1);
            assert.match(first.calls[0], new RegExp(`^install --prefix ${cached.replace(/[.]/g, "\\.")} .*node-linux-${arch}@24\\.\\d+\\.\\d+$`));
            assert.strictEqual(first.node, path.join(cached, "node_modules", `node-linux-${arch}`, "bin", "node"));
            assert.match(first.version, /^v24\./);
            // A second run takes it from the cache.
            fs.rmSync(path.join(tmp, "npm-calls"));
            const second = source("20.20.2");
            assert.deepStrictEqual(second.calls, []);
            assert.strictEqual(second.node, first.node);
        });

        it("a machine with Node 22 before 22.12 gets Node 24 too (the doctor's jose is ESM, require()d)", () => {
            const r = source("22.11.0");
            assert.strictEqual(r.calls.length, 1);
            assert.match(r.version, /^v24\./);
        });

        it("a machine with Node 22 or 24 keeps its own node", () => {
            for (const version of ["22.12.0", "24.1.0"]) {
                const r = source(version);
                assert.deepStrictEqual(r.calls, []);
                assert.strictEqual(r.node, path.join(tmp, "bin", "node"));
                assert.strictEqual(r.version, `v${version}`);
            }
        });
    });

    it(".ci/run sources .ci/node.sh before its first npm command", () => {
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        const sourced = ci.search(/^\. \.ci\/node\.sh$/m);
        assert.ok(sourced > 0, ".ci/run does not source .ci/node.sh");
        assert.ok(sourced < ci.search(/^npm /m), ".ci/node.sh comes after an npm command");
    });
});
