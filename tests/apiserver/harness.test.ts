// The kube-apiserver tier fails, never skips, when its binaries are missing: the error names each
// missing binary and how to get it. (The tier itself runs with `npm run test:apiserver`.)
import * as assert from "assert";
import { binaries } from "./harness";

describe("kube-apiserver tier harness without its binaries", () => {
    const saved = { ...process.env };
    afterEach(() => {
        for (const k of ["KUBE_APISERVER", "ETCD", "KUBECTL", "PATH"]) {
            if (saved[k] === undefined) {
                delete process.env[k];
            } else {
                process.env[k] = saved[k];
            }
        }
    });

    it("throws with the fix for each missing binary", () => {
        process.env.KUBE_APISERVER = "/nonexistent/kube-apiserver";
        delete process.env.ETCD;
        delete process.env.KUBECTL;
        process.env.PATH = "/nonexistent";
        assert.throws(() => binaries(), (e: Error) => {
            assert.match(e.message, /^the kube-apiserver tier cannot run:/);
            assert.match(e.message, /kube-apiserver v1\.34\.4 is not at \/nonexistent\/kube-apiserver: run "bash tests\/apiserver\/setup\.sh"/);
            assert.match(e.message, /etcd is not on PATH: run "bash tests\/apiserver\/setup\.sh"/);
            assert.match(e.message, /kubectl is not on PATH/);
            return true;
        });
    });
});
