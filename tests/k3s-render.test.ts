// The pure parts of K3sOidcApiServer, without mocks: defaults, checks, rendered files, and the
// scripts' syntax under the shells K3s hosts have (dash as sh, bash, busybox when present).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { oidcFlags, pathsFor, renderAuthConfig, renderDropIn, renderFiles } from "../components/k3s/render";
import { renderApplyScript, renderCommands, renderDeleteScript, wrapScript } from "../components/k3s/script";
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
                readyTimeoutSeconds: 180, readyPollSeconds: 2,
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
        const structured = YAML.parse(renderAuthConfig(resolvePlan({ ...base, mode: "structured" }), true));
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

    it("the AuthenticationConfiguration for 1.32+ differs from the older one only by anonymous: {enabled: false}", () => {
        const plan = resolvePlan({ ...base, mode: "structured", issuerCaPem: CA });
        const current = YAML.parse(renderAuthConfig(plan, true));
        const legacy = YAML.parse(renderAuthConfig(plan, false));
        assert.deepStrictEqual(current.anonymous, { enabled: false });
        delete current.anonymous;
        assert.deepStrictEqual(current, legacy);
        assert.strictEqual(legacy.jwt[0].issuer.certificateAuthority, `${CA}\n`);
        assert.strictEqual(renderFiles(plan).caFile, undefined, "structured mode carries the CA inline, no CA file");
        assert.strictEqual(renderFiles(resolvePlan({ ...base, issuerCaPem: CA })).caFile, `${CA}\n`);
    });

    for (const [label, input] of variants) {
        it(`${label}: apply and delete commands parse in ${shells().map((s) => s[0] === "busybox" ? "busybox sh" : s.join(" ").replace(" -n", "")).join(", ")}`, () => {
            const plan = resolvePlan(input);
            for (const sudo of [false, true]) {
                const cmds = renderCommands(plan, { sudo });
                for (const text of [cmds.create, cmds.delete, renderApplyScript(plan), renderDeleteScript(plan)]) {
                    for (const [cmd, ...args] of shells()) {
                        const r = spawnSync(cmd, [...args, "-c", text], { encoding: "utf8" });
                        assert.strictEqual(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
                    }
                }
            }
        });
    }

    it("the scripts hold no single quote, so the logged command is one readable '...' block", () => {
        for (const [label, input] of variants) {
            const plan = resolvePlan({ ...input, clientId: "it's", requiredClaims: { a: "b'c" } });
            for (const script of [renderApplyScript(plan), renderDeleteScript(plan)]) {
                assert.ok(!script.includes("'"), `${label}: ${script.split("\n").find((l) => l.includes("'"))}`);
                assert.strictEqual(wrapScript(script, { sudo: false }), `sh -c '${script}'`);
            }
        }
    });

    it("a restart is needed for an AuthenticationConfiguration change on rke2 (bind-mounted file), not on k3s", () => {
        assert.ok(renderApplyScript(resolvePlan({ ...base, mode: "structured" })).includes('consider "$authcfg" "$authcfg_b64" 600 no\n'));
        assert.ok(renderApplyScript(resolvePlan({ ...base, mode: "structured", distribution: "rke2" })).includes('consider "$authcfg" "$authcfg_b64" 600 yes\n'));
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
