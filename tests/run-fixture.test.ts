// The test fixture's stack traces (tests/run-fixture.ts): a failure's stack points at the TypeScript
// line that failed (ts-node's source maps), while the stacks Pulumi's runtime records on its promises
// for PULUMI_DEBUG_PROMISE_LEAKS are their top two frames without them (a CPU saving; read only when
// that variable is set, and then mapped in full).
import * as assert from "assert";
import * as fs from "fs";
import * as debuggable from "@pulumi/pulumi/runtime/debuggable";

// Internal to the SDK (not in its typings), and what every one of its promises goes through.
const { debuggablePromise } = debuggable as unknown as { debuggablePromise: <T>(p: Promise<T>, ctx: string) => Promise<T> };

/** The 1-based line of this file that contains `marker`. */
function lineOf(marker: string): number {
    return fs.readFileSync(__filename, "utf8").split("\n").findIndex((l) => l.includes(marker) && !l.includes("lineOf(")) + 1;
}

describe("test fixture: stack traces", function () {
    it("an error's stack names the TypeScript file and line it was made on", function () {
        const stack = new Error("here").stack ?? ""; // marker: the error's line
        const line = lineOf("marker: the error's line");
        assert.ok(line > 0);
        assert.match(stack, new RegExp(`run-fixture\\.test\\.ts:${line}:\\d+`), stack);
    });

    it("Pulumi's promise stacks are still recorded: the top two frames as V8 formats them, the whole mapped stack with PULUMI_DEBUG_PROMISE_LEAKS", async function () {
        // debuggablePromise puts the stack on the promise it is given (and returns a chained one).
        const promise: Promise<string> & { _debugStackTrace?: string } = Promise.resolve("v");
        assert.strictEqual(await debuggablePromise(promise, "a test's promise"), "v");
        const recorded = promise._debugStackTrace ?? "";
        assert.match(recorded, /^Error\n {4}at debuggablePromise \(.*debuggable\.[jt]s:\d+:\d+\)\n {4}at .*run-fixture\.test\.ts:\d+:\d+/, recorded);
        if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
            // Read by Pulumi's leak report: the whole stack, mapped.
            assert.ok(recorded.split("\n").length > 3, recorded);
        } else {
            assert.strictEqual(recorded.split("\n").length, 3, recorded);
        }
    });
});
