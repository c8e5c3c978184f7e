// The kube-apiserver tier fails, never skips, when its binaries are missing: the error names each
// missing binary and how to get it. (The tier itself runs with `npm run test:apiserver`.)
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { K8S_VERSIONS, binaries, k8sVersionOf } from "./harness";

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

    it("runs on K8S_VERSION (default the oldest of K8S_VERSIONS) and refuses a value that is not a release", () => {
        assert.strictEqual(k8sVersionOf({}), "1.34.4");
        assert.strictEqual(k8sVersionOf({ K8S_VERSION: "" }), "1.34.4");
        assert.strictEqual(k8sVersionOf({ K8S_VERSION: "1.37.2" }), "1.37.2");
        assert.strictEqual(k8sVersionOf({ K8S_VERSION: "v1.37.2" }), "1.37.2");
        assert.throws(() => k8sVersionOf({ K8S_VERSION: "latest" }), /K8S_VERSION "latest" is not a Kubernetes release such as 1\.34\.4 or 1\.37\.2; unset it for 1\.34\.4\./);
    });

    it("setup.sh builds the same default, and .ci/run builds and runs the tier on every version", () => {
        const root = path.join(__dirname, "..", "..");
        const setup = fs.readFileSync(path.join(root, "tests", "apiserver", "setup.sh"), "utf8");
        assert.strictEqual(/^K8S_VERSION="\$\{K8S_VERSION:-([0-9.]+)\}"$/m.exec(setup)?.[1], K8S_VERSIONS[0]);
        const ci = fs.readFileSync(path.join(root, ".ci", "run"), "utf8");
        assert.deepStrictEqual(/^K8S_VERSIONS=\(([^)]*)\)$/m.exec(ci)?.[1].split(/\s+/), [...K8S_VERSIONS]);
        assert.match(ci, /K8S_VERSION="\$v" bash tests\/apiserver\/setup\.sh/);
        assert.match(ci, /K8S_VERSION="\$v" npm run test:apiserver/);
    });
});
