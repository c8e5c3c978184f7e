// The pure parts of K3sOidcApiServer, without mocks: defaults, checks, rendered files, and the
// scripts' syntax under the shells K3s hosts have (dash as sh, bash, busybox when present).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { oidcFlags, pathsFor, renderAuthConfig, renderDropIn, renderFiles } from "../components/k3s/render";
import { headerVariables, renderCommands, renderScript, runbook } from "../components/k3s/script";
import { K3sPlanInput, resolvePlan, validateK3sArgs } from "../components/k3s/settings";

const base: K3sPlanInput = { name: "oidc", owner: "urn:pulumi:s::p::headlamp-sso:index:K3sOidcApiServer::oidc", issuerUrl: "https://a.example.com/application/o/h/", clientId: "h" };
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";

const variants: [string, K3sPlanInput][] = [
    ["k3s flags", base],
    ["k3s flags with CA and required claims", { ...base, issuerCaPem: CA, requiredClaims: { hd: "example.com" } }],
    ["k3s structured v1beta1", { ...base, mode: "structured" }],
    ["k3s structured v1 with CA", { ...base, mode: "structured", apiVersion: "v1", issuerCaPem: CA }],
    ["rke2 flags", { ...base, distribution: "rke2" }],
    ["rke2 structured", { ...base, distribution: "rke2", mode: "structured" }],
];

function shells(): string[][] {
    const found = [["sh", "-n"], ["bash", "-n"], ["bash", "--posix", "-n"]];
    if (fs.existsSync("/bin/busybox") || fs.existsSync("/usr/bin/busybox")) {
        found.push(["busybox", "sh", "-n"]);
    }
    return found;
}

describe("K3sOidcApiServer rendering (pure)", () => {
    it("resolves the k3s and rke2 defaults", () => {
        const k3s = resolvePlan(base);
        assert.deepStrictEqual(
            { ...k3s, owner: undefined },
            {
                name: "oidc", owner: undefined, issuerUrl: base.issuerUrl, clientId: "h", usernameClaim: "email", usernamePrefix: "",
                groupsClaim: "groups", groupsPrefix: "oidc:", requiredClaims: {}, issuerCaPem: undefined, mode: "flags",
                apiVersion: "v1beta1", distribution: "k3s", configFile: "/etc/rancher/k3s/config.yaml", serviceName: "k3s",
                serviceManager: "auto", readyTimeoutSeconds: 180, readyPollSeconds: 2, lockTimeoutSeconds: 600,
            },
        );
        const rke2 = resolvePlan({ ...base, distribution: "rke2" });
        assert.strictEqual(rke2.configFile, "/etc/rancher/rke2/config.yaml");
        assert.strictEqual(rke2.serviceName, "rke2-server");
        assert.deepStrictEqual(pathsFor(rke2), {
            configDir: "/etc/rancher/rke2",
            dropInDir: "/etc/rancher/rke2/config.yaml.d",
            dropIn: "/etc/rancher/rke2/config.yaml.d/oidc.yaml",
            authConfig: "/etc/rancher/rke2/oidc-authentication-config.yaml",
            caFile: "/etc/rancher/rke2/oidc-oidc-ca.pem",
            backupDir: "/etc/rancher/rke2/headlamp-sso-backup/oidc",
        });
    });

    it("passes oidc-username-prefix=- for no prefix (also when given as -), and the prefix otherwise", () => {
        assert.ok(oidcFlags(resolvePlan(base)).includes("oidc-username-prefix=-"));
        assert.ok(oidcFlags(resolvePlan({ ...base, usernamePrefix: "-" })).includes("oidc-username-prefix=-"));
        assert.ok(oidcFlags(resolvePlan({ ...base, usernamePrefix: "sso:" })).includes("oidc-username-prefix=sso:"));
        assert.ok(!oidcFlags(resolvePlan({ ...base, groupsPrefix: "" })).some((f) => f.startsWith("oidc-groups-prefix")));
        const structured = YAML.parse(renderAuthConfig(resolvePlan({ ...base, mode: "structured" })));
        assert.deepStrictEqual(structured.jwt[0].claimMappings, { username: { claim: "email", prefix: "" }, groups: { claim: "groups", prefix: "oidc:" } });
    });

    it("the drop-in is valid YAML that only appends kube-apiserver args", () => {
        for (const [label, input] of variants) {
            const doc = YAML.parse(renderDropIn(resolvePlan(input)));
            const keys = Object.keys(doc);
            assert.ok(keys.every((k) => k.endsWith("+")), `${label}: only append keys (${keys.join(", ")})`);
            assert.ok(!("kube-apiserver-arg" in doc), label);
        }
    });

    it("one AuthenticationConfiguration for every version: no anonymous section; the drop-in turns anonymous auth off", () => {
        const plan = resolvePlan({ ...base, mode: "structured", issuerCaPem: CA });
        const doc = YAML.parse(renderAuthConfig(plan));
        assert.strictEqual(doc.anonymous, undefined, "older K3s passes --anonymous-auth=false itself, which kube-apiserver refuses next to the section");
        assert.deepStrictEqual(YAML.parse(renderDropIn(plan))["kube-apiserver-arg+"], ["authentication-config=/etc/rancher/k3s/oidc-authentication-config.yaml", "anonymous-auth=false"]);
        assert.strictEqual(doc.jwt[0].issuer.certificateAuthority, `${CA}\n`);
        assert.strictEqual(renderFiles(plan).caFile, undefined, "structured mode carries the CA inline, no CA file");
        assert.ok(renderFiles(resolvePlan({ ...base, issuerCaPem: CA })).caFile?.endsWith(`\n${CA}\n`));
    });

    it("every string written reads the same under YAML 1.1 (K3s, kube-apiserver) and 1.2: on, yes, n, ~, 0644 stay strings", () => {
        const tricky = { ...base, clientId: "on", usernameClaim: "yes", groupsClaim: "n", usernamePrefix: "~", groupsPrefix: "0644", requiredClaims: { off: "no", y: "1e3" }, issuerCaPem: CA };
        for (const mode of ["flags", "structured"] as const) {
            const plan = resolvePlan({ ...tricky, mode });
            const files = renderFiles(plan);
            for (const text of [files.dropIn, files.authConfig].filter((t): t is string => t !== undefined)) {
                const v11 = YAML.parse(text, { version: "1.1" });
                assert.deepStrictEqual(v11, YAML.parse(text, { version: "1.2" }), `${mode}: YAML 1.1 and 1.2 agree`);
                const strings: unknown[] = [];
                const walk = (v: unknown): void => {
                    if (Array.isArray(v)) {
                        v.forEach(walk);
                    } else if (v !== null && typeof v === "object") {
                        Object.values(v).forEach(walk);
                    } else {
                        strings.push(v);
                    }
                };
                walk(v11);
                assert.ok(strings.every((x) => typeof x === "string"), `${mode}: only strings in ${text}`);
            }
            if (mode === "structured") {
                const jwt = YAML.parse(files.authConfig ?? "", { version: "1.1" }).jwt[0];
                assert.deepStrictEqual(jwt.issuer.audiences, ["on"]);
                assert.deepStrictEqual(jwt.claimMappings, { username: { claim: "yes", prefix: "~" }, groups: { claim: "n", prefix: "0644" } });
                assert.deepStrictEqual(jwt.claimValidationRules, [{ claim: "off", requiredValue: "no" }, { claim: "y", requiredValue: "1e3" }]);
            } else {
                assert.ok(YAML.parse(files.dropIn, { version: "1.1" })["kube-apiserver-arg+"].includes("oidc-client-id=on"));
            }
        }
    });

    for (const [label, input] of variants) {
        it(`${label}: the script and the commands parse in ${shells().map((s) => s[0] === "busybox" ? "busybox sh" : s.join(" ").replace(" -n", "")).join(", ")}`, () => {
            const plan = resolvePlan(input);
            for (const sudo of [false, true]) {
                const cmds = renderCommands(plan, { sudo });
                for (const text of [cmds.create, cmds.delete, cmds.stdin]) {
                    for (const [cmd, ...args] of shells()) {
                        const r = spawnSync(cmd, [...args, "-c", text], { encoding: "utf8" });
                        assert.strictEqual(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
                    }
                }
            }
        });
    }

    it("the commands are short and fixed (the script goes on stdin), so an error message is not the script", () => {
        for (const [label, input] of variants) {
            const plan = resolvePlan({ ...input, clientId: "it's", requiredClaims: { a: "b'c" } });
            const cmds = renderCommands(plan, { sudo: false });
            assert.deepStrictEqual([cmds.create, cmds.update, cmds.delete], ['exec sh -c "$(cat)" headlamp-sso apply', 'exec sh -c "$(cat)" headlamp-sso apply', 'exec sh -c "$(cat)" headlamp-sso delete'], label);
            assert.strictEqual(cmds.stdin, renderScript(plan));
            assert.ok(renderCommands(plan, { sudo: true }).create.length < 400, label);
        }
    });

    it("the runbook is one shell file; the header sets exactly the variables it requires, and it branches at run time", () => {
        const required = [...runbook().matchAll(/"\$\{([a-z_0-9]+)\?\}"/g)].map((m) => m[1]);
        for (const [label, input] of variants) {
            const plan = resolvePlan(input);
            assert.deepStrictEqual(headerVariables(plan).map(([k]) => k), required, label);
            const script = renderScript(plan);
            assert.ok(script.endsWith(runbook()), `${label}: the script is the header, then runbook.sh unchanged`);
            // sh reads the header back to the plan's values, byte for byte: one sh per variant prints every
            // variable NUL-terminated (one process per variable was 220 processes, past the test's
            // timeout on a loaded machine).
            const head = script.slice(0, script.length - runbook().length);
            const vars = headerVariables(plan);
            const r = spawnSync("sh", ["-euc", `${head}printf '%s\\0' ${vars.map(([k]) => `"$${k}"`).join(" ")}`], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, `${label}: ${r.stderr}`);
            const read = r.stdout.split("\0").slice(0, -1);
            assert.strictEqual(read.length, vars.length, `${label}: one value per variable`);
            vars.forEach(([k, v], i) => assert.strictEqual(read[i], String(v), `${label}: ${k}`));
        }
        const header = (input: K3sPlanInput) => Object.fromEntries(headerVariables(resolvePlan(input)));
        assert.strictEqual(header(base).authcfg_restart, "no", "K3s reloads the AuthenticationConfiguration itself");
        assert.strictEqual(header({ ...base, distribution: "rke2" }).authcfg_restart, "yes", "RKE2 bind-mounts it into the static pod");
        assert.strictEqual(header({ ...base, mode: "structured" }).mode, "structured");
        assert.strictEqual(header(base).ca_b64, "", "no CA file without issuerCaPem");
        // A script without its header stops before doing anything.
        const r = spawnSync("sh", ["-c", runbook(), "headlamp-sso", "apply"], { encoding: "utf8" });
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /name/);
    });

    it("a restart is needed for an AuthenticationConfiguration change on rke2 (bind-mounted file), not on k3s", () => {
        assert.match(renderScript(resolvePlan({ ...base, mode: "structured" })), /\n {4}consider "\$authcfg" \S+ 600 no\n/);
        assert.match(renderScript(resolvePlan({ ...base, mode: "structured", distribution: "rke2" })), /\n {4}consider "\$authcfg" \S+ 600 yes\n/);
    });

    it("validation takes Outputs as given and accepts a host key with a comment", () => {
        const problems = validateK3sArgs("oidc", {
            servers: [{ host: pulumi.output("h"), port: pulumi.output(22), privateKey: pulumi.secret("k"), hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake root@k3s-1" }],
            issuerUrl: pulumi.output("http://not-checked-until-known"),
            clientId: pulumi.output(""),
            requiredClaims: pulumi.output({ "a b": "c" }),
        });
        assert.deepStrictEqual(problems.list, []);
    });
});
