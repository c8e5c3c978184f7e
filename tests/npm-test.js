// `npm test` after its pretest build: the type-check and lint (one process over one TypeScript
// program, tests/static-checks.js: what `npm run typecheck` and `npm run lint` check) and the mocha
// suite at the same time, at the same priority (the suite's SSH tests wait much of their time; the
// checks, one core's work, fill it). mocha prints as it goes; the checks' output follows when they
// end. Both are started with node directly (an `npm run` per step costs its own npm start); the
// checks with a larger young generation (--max-semi-space-size: a tenth less CPU spent on garbage
// collection of the TypeScript program). The exit code is the first failure's.
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const steps = [
    { script: "mocha", args: [require.resolve("mocha/bin/mocha.js", { paths: [ROOT] })], live: true },
    { script: "typecheck and lint", args: ["--max-semi-space-size=64", path.join(__dirname, "static-checks.js")], live: false },
];

function runStep(step) {
    return new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, step.args, { cwd: ROOT, stdio: step.live ? "inherit" : ["ignore", "pipe", "pipe"] });
        let output = "";
        if (!step.live) {
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
        }
        child.on("close", (code, signal) => {
            const status = code ?? (signal ? 128 : 1);
            resolve({ script: step.script, status, output, seconds: (Date.now() - started) / 1000 });
        });
    });
}

(async () => {
    const results = await Promise.all(steps.map(runStep));
    for (const r of results.filter((x) => !steps.find((s) => s.script === x.script).live)) {
        process.stdout.write(`\n${r.script}: ${r.status === 0 ? "ok" : `failed (exit ${r.status})`} in ${r.seconds.toFixed(1)} s\n`);
        if (r.output.trim()) {
            process.stdout.write(`${r.output.trimEnd()}\n`);
        }
    }
    const failed = results.filter((r) => r.status !== 0);
    if (failed.length > 0) {
        process.stdout.write(`\nnpm test failed: ${failed.map((r) => r.script).join(", ")}\n`);
    }
    process.exit(failed.length > 0 ? failed[0].status : 0);
})();
