// `headlamp-sso doctor`'s API server checks (#5) against a real kube-apiserver (tests/apiserver/
// harness.ts), configured with the OIDC flags K3sOidcApiServer renders (oidcFlags of its plan) and
// trusting the fake Authentik issuer: the healthy chain passes /readyz, SelfSubjectReview and RBAC;
// then one broken link at a time (no binding, a binding without the groups prefix, a non-boolean
// email_verified, the API server not trusting the issuer's CA) fails exactly its check with its fix.
// Part of the kube-apiserver tier: needs the binaries of tests/apiserver/setup.sh.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { oidcFlags, pathsFor } from "../../components/k3s/render";
import { resolvePlan } from "../../components/k3s/settings";
import { renderSubjects } from "../../components/headlamp/rbac";
import { runDoctor } from "../../cli/doctor";
import { FakeAuthentik } from "../fake-authentik/issuer";
import { Capture } from "../doctor/fakes";
import { ApiServer } from "./harness";

const ada = { username: "ada", email: "ada@example.com", name: "Ada", groups: ["k8s-admins"] };

interface Row {
    check: string;
    status: string;
    detail: string;
    fix: string | null;
}

describe("doctor against a real kube-apiserver with K3sOidcApiServer's OIDC flags", function () {
    this.timeout(300_000);
    let idp: FakeAuthentik;
    let api: ApiServer;
    let dir: string;
    let tokenFile: string;
    let caFile: string;
    let flags: string[];

    /** The kube-apiserver args K3sOidcApiServer's drop-in adds (its CA file written where the plan says). */
    function oidcArgs(withCa: boolean): string[] {
        const plan = resolvePlan({
            name: "oidc-dev", owner: "urn:test", issuerUrl: idp.issuerUrl, clientId: idp.clientId,
            configFile: path.join(dir, "etc", "config.yaml"), issuerCaPem: withCa ? idp.caPem : undefined,
        });
        if (withCa) {
            fs.mkdirSync(path.dirname(pathsFor(plan).caFile), { recursive: true });
            fs.writeFileSync(pathsFor(plan).caFile, idp.caPem);
        }
        return oidcFlags(plan);
    }

    /** Waits until the API server's JWT authenticator has loaded the issuer (it does so in the background). */
    async function untilTokenAccepted(token: string): Promise<void> {
        for (let i = 0; i < 60; i++) {
            const r = await api.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { token, body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
            if (r.status === 201) {
                return;
            }
            await new Promise((res) => setTimeout(res, 1000));
        }
        throw new Error(`the API server never accepted the token:\n${api.log().split("\n").filter((l) => /oidc|jwt/i.test(l)).slice(-10).join("\n")}`);
    }

    async function doctor(): Promise<{ code: number; rows: Record<string, Row>; failed: string[] }> {
        const cap = new Capture();
        const code = await runDoctor([...flags, "--json"], { stdout: cap.stdout, stderr: cap.stderr, env: { PATH: "" }, cwd: dir, readStdin: () => "" });
        const list = JSON.parse(cap.out) as Row[];
        return { code, rows: Object.fromEntries(list.map((r) => [r.check, r])), failed: list.filter((r) => r.status === "fail").map((r) => r.check) };
    }

    async function bind(name: string, subject: { kind: string; name: string }): Promise<void> {
        const r = await api.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
            admin: true,
            body: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", ...subject }] },
        });
        assert.strictEqual(r.status, 201, r.text);
    }

    async function unbind(name: string): Promise<void> {
        const r = await api.request("DELETE", `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`, { admin: true });
        assert.strictEqual(r.status, 200, r.text);
    }

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-apiserver-"));
        idp = await FakeAuthentik.start();
        api = await ApiServer.start({ extraArgs: oidcArgs(true) });
        const token = await idp.mint(ada);
        tokenFile = path.join(dir, "token.jwt");
        fs.writeFileSync(tokenFile, token);
        caFile = path.join(dir, "ca.pem");
        fs.writeFileSync(caFile, idp.caPem);
        flags = ["--no-stack", "--issuer", idp.issuerUrl, "--client-id", idp.clientId, "--ca-file", caFile, "--token-file", tokenFile, "--kubeconfig", api.adminKubeconfig];
        await untilTokenAccepted(token);
    });

    after(async () => {
        await api?.stop();
        await idp?.stop();
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("healthy: /readyz, the token accepted as the API server sees it, and HeadlampRelease's group binding found", async () => {
        // The binding HeadlampRelease renders for adminGroups [k8s-admins] with the default groups prefix.
        const subject = renderSubjects([], ["k8s-admins"], "", "oidc:")[0];
        await bind("headlamp-admins", subject);
        try {
            const r = await doctor();
            assert.deepStrictEqual(r.failed, [], JSON.stringify(r.rows, null, 1));
            assert.strictEqual(r.code, 0);
            assert.match(r.rows.apiserver.detail, /is ready/);
            assert.strictEqual(r.rows["apiserver-auth"].detail, 'accepts the token: username "ada@example.com", groups ["oidc:k8s-admins","system:authenticated"].');
            assert.match(r.rows.rbac.detail, /ClusterRoleBinding headlamp-admins -> ClusterRole cluster-admin \(Group oidc:k8s-admins\)/);
            assert.match(r.rows.rbac.detail, / Effective role: cluster-wide: admin\.$/);
        } finally {
            await unbind("headlamp-admins");
        }
    });

    it("no binding: only rbac fails, and the fix names the subject HeadlampRelease would bind", async () => {
        const r = await doctor();
        assert.deepStrictEqual(r.failed, ["rbac"]);
        assert.strictEqual(r.code, 1);
        assert.match(r.rows.rbac.detail, /no ClusterRoleBinding or RoleBinding names User "ada@example.com"/);
        assert.match(r.rows.rbac.fix!, /adminUsers, operatorUsers or viewerUsers .*namespaceAccess.* binds User "ada@example\.com"/);
    });

    it("a binding that names the group without the oidc: prefix is pointed out", async () => {
        await bind("headlamp-admins-unprefixed", { kind: "Group", name: "k8s-admins" });
        try {
            const r = await doctor();
            assert.deepStrictEqual(r.failed, ["rbac"]);
            assert.match(r.rows.rbac.detail, /ClusterRoleBinding headlamp-admins-unprefixed -> ClusterRole cluster-admin names Group "k8s-admins" without the groups prefix "oidc:"/);
        } finally {
            await unbind("headlamp-admins-unprefixed");
        }
    });

    it("email_verified the string \"true\": the real API server refuses the token and the doctor's token-claims says why, with the same reason", async () => {
        const token = await idp.mint(ada, { claims: { email_verified: "true" } });
        const r = await api.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { token, body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
        assert.strictEqual(r.status, 401, r.text);
        const reason = /oidc: parse 'email_verified' claim: json: cannot unmarshal string into Go value of type bool/;
        let logged = false;
        for (let i = 0; i < 20 && !logged; i++) {
            logged = reason.test(api.log());
            if (!logged) {
                await new Promise((res) => setTimeout(res, 100));
            }
        }
        assert.ok(logged, "kube-apiserver logs its reason");
        const file = path.join(dir, "string-true.jwt");
        fs.writeFileSync(file, token);
        const cap = new Capture();
        await runDoctor([...flags.map((f) => (f === tokenFile ? file : f)), "--json"], { stdout: cap.stdout, stderr: cap.stderr, env: { PATH: "" }, cwd: dir, readStdin: () => "" });
        const rows = Object.fromEntries((JSON.parse(cap.out) as Row[]).map((x) => [x.check, x]));
        assert.strictEqual(rows["token-claims"].status, "fail");
        assert.match(rows["token-claims"].detail, reason);
        assert.strictEqual(rows["apiserver-auth"].status, "skip", "the first broken link is the claim, not the API server");
    });

    it("CA not trusted by the API server: the token is valid, only apiserver-auth fails, pointing at oidc-ca-file", async () => {
        await api.restart(oidcArgs(false));
        const r = await doctor();
        assert.deepStrictEqual(r.failed, ["apiserver-auth"], JSON.stringify(r.rows, null, 1));
        assert.strictEqual(r.rows.token.status, "pass");
        assert.match(r.rows["apiserver-auth"].detail, /rejects the token \(401\)/);
        assert.match(r.rows["apiserver-auth"].fix!, /oidc-ca-file/);
        assert.strictEqual(r.rows.rbac.status, "skip");
        // The API server's own log says why, as the fix tells the user to look there.
        assert.match(api.log(), /x509|certificate/i);
    });
});
