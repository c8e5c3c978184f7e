// Regenerates docs/troubleshooting.md's example doctor run (npx ts-node tests/doctor/example-run.ts, after
// tests/apiserver/setup.sh): the doctor in-process against the test suite's stand-ins on 127.0.0.1
// (the fake Authentik issuer and API, a fake Headlamp behind a proxy that does not forward https)
// and a real kube-apiserver with K3sOidcApiServer's flags but no RBAC binding for the user.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { oidcFlags, pathsFor } from "../../components/k3s/render";
import { resolvePlan } from "../../components/k3s/settings";
import { runDoctor } from "../../cli/doctor";
import { FakeAuthentik } from "../fake-authentik/issuer";
import { ApiServer } from "../apiserver/harness";
import { Capture, FakeAuthentikApi, FakeHeadlamp, TestPki } from "./fakes";

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-example-"));
    const pki = new TestPki();
    const idp = await FakeAuthentik.start();
    const headlamp = await FakeHeadlamp.start(pki, { issuerUrl: idp.issuerUrl, issuerCaPem: idp.caPem, clientId: idp.clientId, callback: "from-request" });
    const user = { username: "alice", email: "alice@example.com", name: "Alice", groups: ["k8s-admins"] };
    const token = "example-api-token";
    const api = await FakeAuthentikApi.start(pki, { idp, token, user, redirectUris: [{ matching_mode: "strict", url: `${headlamp.url}oidc-callback` }, { matching_mode: "strict", url: "http://localhost:8000" }], version: "2026.5.6", grantTypes: ["authorization_code", "refresh_token"] });
    const plan = resolvePlan({ name: "oidc-dev", owner: "urn:example", issuerUrl: idp.issuerUrl, clientId: idp.clientId, configFile: path.join(dir, "etc", "config.yaml"), issuerCaPem: idp.caPem });
    fs.mkdirSync(path.dirname(pathsFor(plan).caFile), { recursive: true });
    fs.writeFileSync(pathsFor(plan).caFile, idp.caPem);
    const apiserver = await ApiServer.start({ extraArgs: oidcFlags(plan) });
    try {
        const caFile = path.join(dir, "ca.pem");
        fs.writeFileSync(caFile, `${idp.caPem}${pki.ca.certPem}`);
        const tokenFile = path.join(dir, "token.jwt");
        const jwt = await idp.mint(user);
        fs.writeFileSync(tokenFile, jwt);
        // The API server loads the issuer in the background: wait until it accepts the token.
        for (let i = 0; i < 60; i++) {
            const r = await apiserver.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { token: jwt, body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
            if (r.status === 201) {
                break;
            }
            await new Promise((res) => setTimeout(res, 1000));
        }
        const cap = new Capture();
        await runDoctor(["--issuer", idp.issuerUrl, "--client-id", idp.clientId, "--headlamp-url", headlamp.url, "--authentik-url", api.baseUrl, "--ca-file", caFile, "--token-file", tokenFile, "--kubeconfig", apiserver.adminKubeconfig, "--no-stack"],
            { stdout: cap.stdout, stderr: cap.stderr, env: { AUTHENTIK_TOKEN: token, PATH: "" }, cwd: dir, readStdin: () => "" });
        process.stdout.write(`api ${api.baseUrl}\n${cap.out}${cap.err}`);
    } finally {
        await apiserver.stop();
        await Promise.all([idp.stop(), headlamp.stop(), api.stop()]);
        pki.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

void main();
