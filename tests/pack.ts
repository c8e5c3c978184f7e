// The package's tarball, packed once per test run and shared by every test file that needs it (the
// files run in parallel worker processes). `npm pack` runs in the checkout as a user runs it, with
// its prepack/prepare scripts (`npm run build`, which `tsc -b` makes a no-op when `npm test`'s
// pretest has just built). The first caller packs under a lock directory; the others wait for its
// result. The run's directory is removed after the run (tests/run-fixture.ts).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, run } from "./npm";

/** This run's shared directory under the temp dir (HSSO_TEST_RUN is set by .mocharc.js). */
export function runDir(): string {
    return path.join(os.tmpdir(), `headlamp-sso-run-${process.env.HSSO_TEST_RUN ?? process.pid}`);
}

function sleep(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The path of this run's `npm pack` tarball (read-only: copy it before changing anything). Packs on
 * the first call in the run; later calls, in any worker, wait for that pack and return its file.
 */
export function packedTarball(): string {
    const dir = path.join(runDir(), "pack");
    const result = path.join(dir, "result.json");
    if (!fs.existsSync(runDir()) && !process.env.HSSO_TEST_RUN) {
        // Run without .mocharc.js (e.g. --no-config): nobody else removes the directory.
        process.once("exit", () => fs.rmSync(runDir(), { recursive: true, force: true }));
    }
    fs.mkdirSync(runDir(), { recursive: true });
    let mine = false;
    try {
        fs.mkdirSync(dir);
        mine = true;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
            throw e;
        }
    }
    if (mine) {
        let outcome: { tarball?: string; error?: string };
        try {
            // --json prints what went in; prepack builds the SDK and the library first.
            const packed = run("npm", ["pack", "--json", "--pack-destination", dir, "--loglevel=error"], ROOT, 180_000);
            const info = JSON.parse(packed.slice(packed.indexOf("["))) as { filename: string }[];
            outcome = { tarball: path.join(dir, info[0].filename) };
        } catch (e) {
            outcome = { error: (e as Error).message };
        }
        fs.writeFileSync(`${result}.tmp`, JSON.stringify(outcome));
        fs.renameSync(`${result}.tmp`, result);
    }
    const until = Date.now() + 240_000;
    while (!fs.existsSync(result)) {
        if (Date.now() > until) {
            throw new Error(`no tarball from the run's npm pack in ${dir} after 240 s`);
        }
        sleep(200);
    }
    const outcome = JSON.parse(fs.readFileSync(result, "utf8")) as { tarball?: string; error?: string };
    if (!outcome.tarball) {
        throw new Error(`the run's npm pack failed: ${outcome.error}`);
    }
    return outcome.tarball;
}
