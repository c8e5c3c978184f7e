// `npm test` after its pretest build: the type-check, the lint and the mocha suite at the same time
// (on 2 cores the suite leaves a core idle while its SSH and npm tests wait). mocha prints as it goes;
// the type-check's and the lint's output follow when each ends. Those two run at a lower priority
// (nice +10): mocha's long files are the run's critical path. The exit code is the first failure's.
"use strict";
const { spawn } = require("child_process");
const os = require("os");

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const steps = [
    { script: "mocha", live: true },
    { script: "typecheck", live: false },
    { script: "lint", live: false },
];

function runStep(step) {
    return new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(npm, ["run", "--silent", step.script], { stdio: step.live ? "inherit" : ["ignore", "pipe", "pipe"] });
        let output = "";
        if (!step.live) {
            try {
                // Before npm starts tsc or eslint, which inherit it.
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
        process.stdout.write(`\nnpm run ${r.script}: ${r.status === 0 ? "ok" : `failed (exit ${r.status})`} in ${r.seconds.toFixed(1)} s\n`);
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
