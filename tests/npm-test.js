// `npm test` after its pretest build: the type-check and lint (one process over one TypeScript
// program, tests/static-checks.js: what `npm run typecheck` and `npm run lint` check) and the mocha
// suite at the same time (on 2 cores the suite leaves a core idle while its SSH tests wait). mocha
// prints as it goes; the checks' output follows when they end. The checks run at a lower priority
// (nice +10): mocha's long files are the run's critical path. Both are started with node directly
// (an `npm run` per step costs its own npm start). The exit code is the first failure's.
"use strict";
const { spawn } = require("child_process");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const steps = [
    { script: "mocha", args: [require.resolve("mocha/bin/mocha.js", { paths: [ROOT] })], live: true },
    { script: "typecheck and lint", args: [path.join(__dirname, "static-checks.js")], live: false },
];

function runStep(step) {
    return new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, step.args, { cwd: ROOT, stdio: step.live ? "inherit" : ["ignore", "pipe", "pipe"] });
        let output = "";
        if (!step.live) {
            try {
                // Right after the start (the checks spend their first second loading TypeScript).
                os.setPriority(child.pid, Math.min(19, os.getPriority(process.pid) + 10));
            } catch {
                // Priority is only a hint.
            }
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
