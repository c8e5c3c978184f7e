// mocha's configuration for `npm test` (the kube-apiserver tier has its own: tests/apiserver/.mocharc.json).
//
// The test files run in parallel: mocha's parallel mode, each file in one of `jobs` worker processes
// (HSSO_TEST_JOBS, default two per core, at most 8: the SSH tests spend half their time waiting on
// the servers they drive; on 2 cores 4 jobs end the suite a fifth sooner than 3). A file never
// shares a process with a file running at the same time, so the rule for a test file is that it
// must pass on its own and beside any other:
//   1. Everything it starts or writes is its own: ports from freePort() or listen(0) on 127.0.0.1,
//      directories from fs.mkdtempSync(path.join(os.tmpdir(), ...)), system users and sudoers
//      drop-ins named with process.pid. tests/ssh/sshd.ts does all three: a file that needs sshd
//      starts its own SshServer in its `before` hook and stops it in `after`.
//   2. It never writes into the checkout (no build, no `npm install`, no generated files there): work
//      in a temp copy. For the package's tarball call packedTarball() (tests/pack.ts): one `npm pack`
//      per run, shared by every file that asks.
//   3. No .only (parallel mode refuses it) and no state through globals or files between test files.
// The longest files start first (a long file started last would end the run alone): by each file's
// wall time in the last run (node_modules/.cache/headlamp-sso/mocha-times.jsonl), and a file not yet
// timed that starts sshd, packs, installs or serves the plugin (HEAVY below) before all others. A
// new kind of slow fixture goes into HEAVY.
// `HSSO_TEST_TIMES=<file>` appends each file's wall and CPU time (JSON lines; tests/run-fixture.ts).
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const HEAVY = /SshServer\.start\(|packedTarball\(|run\("npm", \["install"|constructThroughHost\(|\banalyze\(|\.getSchema\(|FakeAuthentik\.start\(/;

function testFiles(dir) {
    const out = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            out.push(...testFiles(p));
        } else if (entry.isFile() && entry.name.endsWith(".test.ts")) {
            out.push(p);
        }
    }
    return out;
}

// `npx mocha tests/x.test.ts` runs only the files given (mocha would add them to `spec`, not replace it).
const VALUE_OPTIONS = new Set(["-r", "--require", "--file", "--config", "--reporter", "-R", "--ignore", "--extension", "-g", "--grep", "-f", "--fgrep", "-j", "--jobs", "-t", "--timeout"]);
const given = process.argv.slice(2).filter((a, i, all) => !a.startsWith("-") && !VALUE_OPTIONS.has(all[i - 1]) && /\.ts$/.test(a));

// Two tiers share this configuration: `npm test` (HSSO_TEST_TIER unset) runs every test file outside
// tests/package/; `npm run test:package` (HSSO_TEST_TIER=package) runs the files in tests/package/:
// the package as npm and the Pulumi CLI install it (npm pack, npm install, the plugin host, each a
// real install, most of the CPU the suite would otherwise spend). CI runs both.
const PACKAGE_TIER = path.join("tests", "package") + path.sep;
const tier = process.env.HSSO_TEST_TIER === "package" ? "package" : "default";
const files = testFiles(path.join(__dirname, "tests")).map((f) => path.relative(__dirname, f))
    .filter((f) => f.startsWith(PACKAGE_TIER) === (tier === "package"))
    .sort();
// How many heavy fixtures a file calls (a rough guess of its length before it was ever timed).
const heavy = new Map(files.map((f) => [f, (fs.readFileSync(f, "utf8").match(new RegExp(HEAVY, "g")) ?? []).length]).filter(([, n]) => n > 0));

// The last recorded wall time of each file (tests/run-fixture.ts writes them); the file is kept short.
const TIMES = path.join(__dirname, "node_modules", ".cache", "headlamp-sso", "mocha-times.jsonl");
const lastMs = new Map();
try {
    for (const line of fs.readFileSync(TIMES, "utf8").split("\n").filter(Boolean)) {
        const t = JSON.parse(line);
        lastMs.set(t.file, t.wallMs);
    }
    if (lastMs.size * 4 < fs.readFileSync(TIMES, "utf8").split("\n").length) {
        fs.writeFileSync(TIMES, [...lastMs].map(([file, wallMs]) => `${JSON.stringify({ file, wallMs })}\n`).join(""));
    }
} catch {
    // No times yet (a fresh checkout): HEAVY decides alone.
}
// Longest first: files never timed that look heavy, then by their last wall time, then the rest.
const weight = (f) => (lastMs.has(f) ? lastMs.get(f) : heavy.has(f) ? 1e9 * heavy.get(f) : 0);
const ordered = [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));

// One id per run, inherited by the workers: packedTarball() keys its shared tarball by it.
process.env.HSSO_TEST_RUN = process.env.HSSO_TEST_RUN || `${process.pid}-${Date.now()}`;

module.exports = {
    require: ["tests/ts-node.js", "tests/run-fixture.ts"],
    extension: ["ts"],
    spec: given.length > 0 ? [] : ordered,
    parallel: true,
    jobs: Number(process.env.HSSO_TEST_JOBS) || Math.min(8, 2 * os.availableParallelism()),
    timeout: 20000,
    reporter: "spec",
};
