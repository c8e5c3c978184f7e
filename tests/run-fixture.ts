// Loaded by .mocharc.js into mocha's main process and into every parallel worker.
// - mochaGlobalTeardown (main process, after the run): removes the run's shared directory
//   (tests/pack.ts keeps the packed tarball there).
// - mochaHooks (workers, around each test file): appends one JSON line per test file with its wall
//   time and CPU time (user + system, of the worker and the children it waited for, from
//   /proc/self/stat) to node_modules/.cache/headlamp-sso/mocha-times.jsonl, which .mocharc.js reads
//   to start the longest files first, and to HSSO_TEST_TIMES=<file> when set (to see where the
//   suite's time goes).
// - The stack traces Pulumi's runtime records on each of its promises (runtime/debuggable.js, read
//   only when PULUMI_DEBUG_PROMISE_LEAKS is set, and then mapped in full as before) are its top two
//   frames as V8 formats them, without ts-node's source maps: mapping each frame of the tens of
//   thousands of them was about 8 s of the suite's CPU. Every other stack (errors, assertion
//   failures, Pulumi's source positions) is mapped as before.
import * as fs from "fs";
import * as path from "path";
import { runDir } from "./pack";

const DEBUGGABLE = path.join("@pulumi", "pulumi", "runtime", "debuggable.js");
const mapped = Error.prepareStackTrace?.bind(Error);
if (mapped !== undefined && !process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    Error.prepareStackTrace = function prepareStackTrace(error: Error, trace: NodeJS.CallSite[]): unknown {
        if (trace[0]?.getFileName()?.endsWith(DEBUGGABLE)) {
            // V8's own lines (a CallSite's toString) for debuggablePromise and its caller, the
            // frame that made the promise: formatting every frame was still 2 s of CPU.
            return `${String(error)}${trace.slice(0, 2).map((frame) => `\n    at ${(frame as { toString(): string }).toString()}`).join("")}`;
        }
        return mapped(error, trace);
    };
}

/** Where each file's last durations are kept between runs (read by .mocharc.js). */
export const TIMES_FILE = path.resolve(__dirname, "..", "node_modules", ".cache", "headlamp-sso", "mocha-times.jsonl");

/** utime + stime + cutime + cstime of this process in ms (Linux clock ticks are 1/100 s). */
function cpuMs(): number {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * 10;
}

let started: { wall: number; cpu: number; file: string } | undefined;

export const mochaHooks = {
    beforeAll(this: Mocha.Context) {
        {
            const file = this.test?.parent?.suites[0]?.file ?? this.test?.parent?.tests[0]?.file ?? "?";
            started = { wall: Date.now(), cpu: cpuMs(), file: path.relative(path.resolve(__dirname, ".."), file) };
        }
    },
    afterAll() {
        if (started) {
            const line = `${JSON.stringify({ file: started.file, wallMs: Date.now() - started.wall, cpuMs: cpuMs() - started.cpu, worker: process.env.MOCHA_WORKER_ID ?? "main" })}\n`;
            started = undefined;
            try {
                fs.mkdirSync(path.dirname(TIMES_FILE), { recursive: true });
                fs.appendFileSync(TIMES_FILE, line);
            } catch {
                // Only an ordering hint for the next run.
            }
            if (process.env.HSSO_TEST_TIMES) {
                fs.appendFileSync(process.env.HSSO_TEST_TIMES, line);
            }
        }
    },
};

export function mochaGlobalTeardown(): void {
    fs.rmSync(runDir(), { recursive: true, force: true });
}
