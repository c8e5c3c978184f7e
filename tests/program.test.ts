// The deployable program (index.ts) under Pulumi runtime mocks, loaded exactly as `pulumi up`
// loads it: with the dev stack's config (Pulumi.yaml defaults + Pulumi.dev.yaml + test secrets).
// Asserts the whole graph, the secret chain, the ordering, the exports, a second stack's names,
// and that each missing or bad config key stops the program before anything is registered.
import * as assert from "assert";
import * as YAML from "yaml";
import { caFromKubeconfig } from "../program/kubeconfig";
import { MockHarness, RecordedResource, allStrings, errorOf, isSecretIn, secretOf, valueOf } from "./harness";
import { PROD, Run, SECRET_KEYS, TEST_SECRETS, dev, dropInWrittenBy, loadProgram, runProgram } from "./program-run";
import { stackConfig, withoutAuthentikEnv } from "./stack-config";
import { pickOutputs } from "../cli/stack";
import { formatTarget, parseSshTarget } from "../cli/ssh";
import { pathsFor, renderDropIn } from "../components/k3s/render";

const T = {
    authentikProvider: "pulumi:providers:authentik",
    k8sProvider: "pulumi:providers:kubernetes",
    app: "headlamp-sso:index:AuthentikOidcApp",
    oauth2: "authentik:index/providerOauth2:ProviderOauth2",
    application: "authentik:index/application:Application",
    scope: "authentik:index/propertyMappingProviderScope:PropertyMappingProviderScope",
    binding: "authentik:index/policyBinding:PolicyBinding",
    apiServer: "headlamp-sso:index:K3sOidcApiServer",
    command: "command:remote:Command",
    headlamp: "headlamp-sso:index:HeadlampRelease",
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    crb: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    release: "kubernetes:helm.sh/v3:Release",
};
const DEV_ISSUER = "https://auth.example.com/application/o/headlamp-dev/";
const CLIENT_SECRET = "configured-client-secret-9f8e7d6c5b4a";
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAjMSEwHwYDVQQDDBhrM3Mtc2VydmVyLWNh\n-----END CERTIFICATE-----\n";
const ADMIN_KUBECONFIG = YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "default", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": Buffer.from(CA_PEM).toString("base64") } }],
    users: [{ name: "default", user: { "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" } }],
    contexts: [{ name: "default", context: { cluster: "default", user: "default" } }],
    "current-context": "default",
});

function name(r: RecordedResource): string {
    return r.name;
}

describe("the program (index.ts) under mocks", function () {
    this.timeout(60000);
    withoutAuthentikEnv();

    describe("the dev stack (Pulumi.dev.yaml)", () => {
        let run: Run;
        before(async () => {
            run = await runProgram(dev());
        });

        it("registers exactly the expected resources, by type", () => {
            assert.deepStrictEqual(run.h.countByType(), {
                [T.authentikProvider]: 1,
                [T.app]: 1,
                [T.scope]: 1,
                [T.oauth2]: 1,
                [T.application]: 1,
                [T.binding]: 2,
                [T.apiServer]: 1,
                [T.command]: 1,
                [T.headlamp]: 1,
                [T.namespace]: 1,
                [T.secret]: 1,
                [T.crb]: 2,
                [T.release]: 1,
                "random:index/randomId:RandomId": 1,
            });
        });

        it("names the components after the stack, and puts every resource under its component", () => {
            const h = run.h;
            assert.deepStrictEqual([h.one(T.app), h.one(T.apiServer), h.one(T.headlamp)].map(name), ["sso-dev", "oidc-dev", "headlamp-dev"]);
            const parentType = (r: RecordedResource) => h.byUrn(r.parent)?.type;
            for (const type of [T.scope, T.oauth2, T.application, T.binding]) {
                h.ofType(type).forEach((r) => assert.strictEqual(parentType(r), T.app, `${r.name} is under AuthentikOidcApp`));
            }
            assert.strictEqual(parentType(h.one(T.command)), T.apiServer);
            for (const type of [T.namespace, T.secret, T.crb, T.release]) {
                h.ofType(type).forEach((r) => assert.strictEqual(parentType(r), T.headlamp, `${r.name} is under HeadlampRelease`));
            }
        });

        it("configures the Authentik provider from authentik:url and the secret authentik:token, and uses it for every Authentik resource and invoke", () => {
            const h = run.h;
            const provider = h.one(T.authentikProvider, "authentik");
            assert.strictEqual(provider.inputs.url, "https://auth.example.com");
            assert.strictEqual(provider.inputs.token, TEST_SECRETS["authentik:token"]);
            assert.ok(isSecretIn(provider.rawInputs, "token"), "the Authentik token is secret");
            const ref = `${provider.urn}::${provider.name}-id`;
            for (const r of h.resources.filter((x) => x.type.startsWith("authentik:"))) {
                assert.strictEqual(r.provider, ref, `${r.name} uses the configured Authentik provider`);
            }
            assert.ok(h.invokes.length >= 5);
            h.invokes.forEach((i) => assert.strictEqual(i.provider, ref, `${i.token} uses the configured Authentik provider`));
        });

        it("creates the Authentik app from the stack's config: slug per stack, Headlamp's and kubelogin's redirects, access groups", () => {
            const h = run.h;
            const app = h.one(T.application);
            assert.strictEqual(app.inputs.slug, "headlamp-dev");
            assert.strictEqual(app.inputs.name, "Headlamp");
            assert.strictEqual(app.inputs.metaLaunchUrl, "https://headlamp.dev.example.com/");
            const provider = h.one(T.oauth2);
            assert.strictEqual(provider.inputs.clientId, "headlamp-dev");
            assert.deepStrictEqual(provider.inputs.allowedRedirectUris, [
                { matching_mode: "strict", url: "https://headlamp.dev.example.com/oidc-callback", redirect_uri_type: "authorization" },
                { matching_mode: "strict", url: "http://localhost:8000", redirect_uri_type: "authorization" },
                { matching_mode: "strict", url: "http://localhost:18000", redirect_uri_type: "authorization" },
            ]);
            assert.deepStrictEqual(provider.inputs.grantTypes, ["authorization_code", "refresh_token"]);
            assert.deepStrictEqual(h.invokesOf("authentik:index/getGroup:getGroup").map((i) => i.args.name), ["k8s-admins", "k8s-viewers"]);
            assert.strictEqual(h.one(T.scope).inputs.scopeName, "email", "the verified-email mapping replaces the managed one");
        });

        it("hands the issuer and client id to the API server script and to the Headlamp Secret", () => {
            const h = run.h;
            const cmd = h.one(T.command, "oidc-dev-k3s-1.dev.example.lan");
            assert.strictEqual(cmd.inputs.update, cmd.inputs.create, "create and update run the same apply");
            for (const script of [cmd.inputs.stdin as string]) {
                const dropIn = YAML.parse(dropInWrittenBy(script)) as Record<string, string[]>;
                assert.deepStrictEqual(dropIn["kube-apiserver-arg+"], [
                    `oidc-issuer-url=${DEV_ISSUER}`,
                    "oidc-client-id=headlamp-dev",
                    "oidc-username-claim=email",
                    "oidc-username-prefix=-",
                    "oidc-groups-claim=groups",
                    "oidc-groups-prefix=oidc:",
                ]);
            }
            assert.deepStrictEqual(
                { host: cmd.inputs.connection.host, port: cmd.inputs.connection.port, user: cmd.inputs.connection.user },
                { host: "k3s-1.dev.example.lan", port: 22, user: "root" },
            );
            const secret = h.one(T.secret);
            assert.strictEqual(secret.inputs.stringData.OIDC_ISSUER_URL, DEV_ISSUER);
            assert.strictEqual(secret.inputs.stringData.OIDC_CLIENT_ID, "headlamp-dev");
            assert.strictEqual(secret.inputs.stringData.OIDC_CALLBACK_URL, "https://headlamp.dev.example.com/oidc-callback");
            assert.strictEqual(secret.inputs.stringData.OIDC_SCOPES, "email,profile,offline_access");
        });

        it("binds the dev stack's admin and viewer groups with the API server's groups prefix", () => {
            const subjects = run.h.ofType(T.crb).map((r) => [r.inputs.roleRef.name, r.inputs.subjects.map((s: { name: string }) => s.name)]);
            assert.deepStrictEqual(subjects.sort(), [["cluster-admin", ["oidc:k8s-admins"]], ["view", ["oidc:k8s-viewers"]]]);
        });

        it("keeps the SSH key secret on the command and out of every script", () => {
            const cmd = run.h.one(T.command);
            assert.ok(isSecretIn(cmd.rawInputs, "connection.privateKey") || isSecretIn(cmd.rawInputs, "connection"));
            assert.strictEqual(cmd.inputs.connection.privateKey, TEST_SECRETS.sshPrivateKey);
            for (const field of ["create", "update", "delete"]) {
                assert.ok(!String(cmd.inputs[field]).includes("test-key-material"), `no key material in ${field}`);
            }
        });

        it("makes the Headlamp release wait for every API server command (and the Secret)", () => {
            const h = run.h;
            const release = h.one(T.release);
            const cmd = h.one(T.command);
            assert.ok(release.dependsOn.includes(cmd.urn), "the release waits for the API server to trust the issuer");
            assert.ok(release.dependsOn.includes(h.one(T.secret).urn));
            assert.ok(h.one(T.headlamp).dependsOn.includes(cmd.urn), "the component itself depends on the API server component's commands");
        });

        it("uses the ambient Kubernetes provider when no kubeconfig is configured", () => {
            assert.deepStrictEqual(run.h.ofType(T.k8sProvider), []);
            for (const type of [T.namespace, T.secret, T.crb, T.release]) {
                run.h.ofType(type).forEach((r) => assert.strictEqual(r.provider, "", `${r.name} uses the default provider`));
            }
        });

        it("exports the Headlamp URL, issuer, client id, drop-in and a secret kubelogin kubeconfig", async () => {
            const p = run.program;
            assert.strictEqual(await valueOf(p.headlampUrl), "https://headlamp.dev.example.com/");
            assert.strictEqual(await valueOf(p.issuerUrl), DEV_ISSUER);
            assert.strictEqual(await valueOf(p.clientId), "headlamp-dev");
            const dropIn = await valueOf(p.apiServerDropIn);
            assert.ok(dropIn.includes("kube-apiserver-arg+:"), "the drop-in appends args");
            assert.ok(dropIn.includes(`oidc-issuer-url=${DEV_ISSUER}`));
            assert.ok(p.kubeconfig, "kubectlAccess defaults to true");
            assert.strictEqual(await secretOf(p.kubeconfig), true, "the kubeconfig carries the client secret, so it is secret");
            const kc = YAML.parse(await valueOf(p.kubeconfig)) as { clusters: { cluster: Record<string, string> }[]; users: { user: { exec: { args: string[] } } }[] };
            assert.strictEqual(kc.clusters[0].cluster.server, "https://k3s-1.dev.example.lan:6443");
            const args = kc.users[0].user.exec.args;
            assert.deepStrictEqual(args.slice(0, 4), ["oidc-login", "get-token", `--oidc-issuer-url=${DEV_ISSUER}`, "--oidc-client-id=headlamp-dev"]);
        });

        it("exports apiServerInspect for headlamp-sso doctor: every server and the plan they got, which renders the drop-in the stack applied; nothing secret", async () => {
            const p = run.program;
            assert.strictEqual(await secretOf(p.apiServerInspect), false);
            const picked = pickOutputs({ apiServerInspect: await valueOf(p.apiServerInspect) }).apiServerInspect;
            assert.ok(picked, "the doctor reads the output");
            assert.deepStrictEqual(picked.servers.map((s) => formatTarget(parseSshTarget(s))), picked.servers);
            assert.ok(picked.servers.length >= 1, "every configured server is listed");
            assert.match(picked.plan.owner, /::headlamp-sso:index:K3sOidcApiServer::/);
            assert.strictEqual(renderDropIn(picked.plan), await valueOf(p.apiServerDropIn), "the plan renders exactly the applied drop-in");
            // Where each server's run put the drop-in (the mocks' runs print none: the plan's path).
            assert.deepStrictEqual(picked.dropInPaths, picked.servers.map(() => pathsFor(picked.plan).dropIn));
        });

        it("warns that the exported kubeconfig has no cluster CA when none is configured", () => {
            assert.strictEqual(run.warnings.length, 1, run.warnings.join("\n"));
            assert.match(run.warnings[0], /no cluster CA.*headlamp-sso:apiServerCaPem/s);
        });
    });

    describe("the client secret stays secret at every hop", () => {
        let run: Run;
        before(async () => {
            run = await runProgram(dev({ clientSecret: CLIENT_SECRET, kubeconfig: ADMIN_KUBECONFIG }));
        });

        it("config -> Authentik provider -> Kubernetes Secret -> exported kubeconfig, each marked secret", async () => {
            const h = run.h;
            const provider = h.one(T.oauth2);
            assert.strictEqual(provider.inputs.clientSecret, CLIENT_SECRET);
            assert.ok(isSecretIn(provider.rawInputs, "clientSecret"), "secret on the Authentik provider");
            const secret = h.one(T.secret);
            assert.strictEqual(secret.inputs.stringData.OIDC_CLIENT_SECRET, CLIENT_SECRET);
            assert.ok(isSecretIn(secret.rawInputs, "stringData"), "secret in the Kubernetes Secret");
            assert.strictEqual(await secretOf(run.program.kubeconfig!), true);
            assert.ok((await valueOf(run.program.kubeconfig!)).includes(`--oidc-client-secret=${CLIENT_SECRET}`));
        });

        it("appears in no other resource's inputs: not in the Helm values, the scripts, the bindings or the app", () => {
            const carriers = new Set([T.oauth2, T.secret]);
            for (const r of run.h.resources.filter((x) => !carriers.has(x.type))) {
                assert.ok(!allStrings(r.inputs).some((s) => s.includes(CLIENT_SECRET)), `${r.type} ${r.name} holds no client secret`);
            }
        });

        it("a configured kubeconfig becomes a Kubernetes provider (secret) for every Headlamp resource, and its CA reaches the export", async () => {
            const h = run.h;
            const k8s = h.one(T.k8sProvider, "kubernetes");
            assert.ok(isSecretIn(k8s.rawInputs, "kubeconfig"), "the admin kubeconfig is secret");
            const ref = `${k8s.urn}::${k8s.name}-id`;
            for (const type of [T.namespace, T.secret, T.crb, T.release]) {
                h.ofType(type).forEach((r) => assert.strictEqual(r.provider, ref, `${r.name} uses the configured cluster`));
            }
            assert.strictEqual(caFromKubeconfig(await valueOf(run.program.kubeconfig!)), CA_PEM);
            assert.deepStrictEqual(run.warnings, [], "no CA warning when the kubeconfig carries the CA");
        });
    });

    it("authentikVersion reaches the component (2025.12: no grant types, no redirect URI types) and the stack outputs; unset, it warns", async () => {
        const run = await runProgram(dev({ authentikVersion: "2025.12" }));
        const provider = run.h.one(T.oauth2);
        assert.deepStrictEqual(provider.inputs.allowedRedirectUris.map((r: Record<string, string>) => Object.keys(r).sort()), [["matching_mode", "url"], ["matching_mode", "url"], ["matching_mode", "url"]]);
        assert.ok(!("grantTypes" in provider.inputs));
        assert.strictEqual(run.program.authentikVersion, "2025.12");
        assert.strictEqual(pickOutputs({ authentikVersion: run.program.authentikVersion }).authentikVersion, "2025.12");
        assert.deepStrictEqual(run.warnings.filter((w) => w.includes("authentikVersion")), []);
        const unset = await runProgram(dev({ authentikVersion: undefined }));
        assert.deepStrictEqual(unset.h.one(T.oauth2).inputs.grantTypes, ["authorization_code", "refresh_token"]);
        assert.strictEqual(unset.program.authentikVersion, undefined);
        assert.strictEqual(unset.warnings.filter((w) => w.startsWith("authentikVersion is not set")).length, 1);
    });

    it("kubectlAccess false: no loopback redirect URIs and no kubeconfig export", async () => {
        const run = await runProgram(dev({ kubectlAccess: false }));
        assert.deepStrictEqual(run.h.one(T.oauth2).inputs.allowedRedirectUris, [
            { matching_mode: "strict", url: "https://headlamp.dev.example.com/oidc-callback", redirect_uri_type: "authorization" },
        ]);
        assert.strictEqual(run.program.kubeconfig, undefined);
        assert.deepStrictEqual(run.warnings, []);
    });

    it("logs a warning (key, not value) for a secret key stored in plain text, and still deploys it as a secret", async () => {
        const { h, warnings } = await runProgram(
            dev({ clientSecret: CLIENT_SECRET, kubectlAccess: false }),
            "dev",
            SECRET_KEYS.filter((k) => k !== "headlamp-sso:clientSecret"),
        );
        assert.strictEqual(warnings.length, 1, warnings.join("\n"));
        assert.match(warnings[0], /^headlamp-sso:clientSecret is stored in plain text.*pulumi config set --secret clientSecret/);
        assert.ok(!warnings[0].includes(CLIENT_SECRET));
        assert.ok(isSecretIn(h.one(T.oauth2).rawInputs, "clientSecret"));
        assert.ok(isSecretIn(h.one(T.secret).rawInputs, "stringData"));
    });

    it("apiServerCaPem and apiServerUrl shape the exported kubeconfig", async () => {
        const run = await runProgram(dev({ apiServerCaPem: CA_PEM, apiServerUrl: "https://k3s.dev.example.lan:6443" }));
        const text = await valueOf(run.program.kubeconfig!);
        const kc = YAML.parse(text) as { clusters: { cluster: Record<string, string> }[] };
        assert.strictEqual(kc.clusters[0].cluster.server, "https://k3s.dev.example.lan:6443");
        assert.strictEqual(caFromKubeconfig(text), CA_PEM);
    });

    it("operatorGroups and namespaceAccess reach HeadlampRelease: the operator role, its binding and the namespace's RoleBindings, with the groups prefix", async () => {
        const { h } = await runProgram(dev({ operatorGroups: ["ops"], namespaceAccess: ["web/operator/group/web-team", "web/admin/user/sam@example.com"] }));
        const names = (type: string) => h.ofType(`kubernetes:rbac.authorization.k8s.io/v1:${type}`).map((r) => r.name).sort();
        assert.deepStrictEqual(names("ClusterRole"), ["headlamp-dev-namespace-reader", "headlamp-dev-operator", "headlamp-dev-operator-rules"]);
        assert.deepStrictEqual(names("RoleBinding"), ["headlamp-dev-web-admins", "headlamp-dev-web-operators"]);
        const operators = h.one(T.crb, "headlamp-dev-operators").inputs;
        assert.deepStrictEqual([operators.roleRef.name, operators.subjects], ["headlamp-sso:headlamp:headlamp:operator", [{ kind: "Group", name: "oidc:ops", apiGroup: "rbac.authorization.k8s.io" }]]);
        assert.strictEqual(h.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "headlamp-dev-web-admins").inputs.roleRef.name, "admin");
    });

    it("gatewayParentRefs: Headlamp through the Gateway's listeners (the chart's HTTPRoute, no Ingress), the same callback", async () => {
        const { h } = await runProgram(dev({ clusterIssuer: undefined, gatewayParentRefs: ["gateway-system/public/https"], gatewayAnnotations: ["example.com/team=ops"] }));
        const values = h.one(T.release).inputs.values as Record<string, unknown>;
        assert.deepStrictEqual(values.ingress, { enabled: false });
        assert.deepStrictEqual(values.httpRoute, {
            enabled: true,
            annotations: { "example.com/team": "ops" },
            parentRefs: [{ name: "public", namespace: "gateway-system", sectionName: "https" }],
            hostnames: ["headlamp.dev.example.com"],
        });
        assert.strictEqual(h.one(T.secret).inputs.stringData.OIDC_CALLBACK_URL, "https://headlamp.dev.example.com/oidc-callback");
        const redirects = (h.one(T.oauth2).inputs.allowedRedirectUris as { url: string }[]).map((r) => r.url);
        assert.ok(redirects.includes("https://headlamp.dev.example.com/oidc-callback"));
    });

    describe("a second stack (prod) next to dev", () => {
        let devRun: Run;
        let prodRun: Run;
        before(async () => {
            devRun = await runProgram(dev());
            prodRun = await runProgram(stackConfig(PROD, TEST_SECRETS), "prod");
        });

        it("rolls out to its three servers one at a time, in order, in structured mode", () => {
            const cmds = prodRun.h.ofType(T.command);
            assert.deepStrictEqual(cmds.map(name), ["oidc-prod-k3s-1.example.lan", "oidc-prod-k3s-2.example.lan", "oidc-prod-k3s-3.example.lan"]);
            assert.ok(cmds[1].dependsOn.includes(cmds[0].urn) && cmds[2].dependsOn.includes(cmds[1].urn), "each server waits for the previous one");
            assert.deepStrictEqual([cmds[2].inputs.connection.user, cmds[2].inputs.connection.port], ["ubuntu", 2222]);
            assert.ok(cmds[2].inputs.create.includes("sudo -n"), "a non-root user goes through sudo");
            for (const c of cmds) {
                const args = (YAML.parse(dropInWrittenBy(c.inputs.stdin as string)) as Record<string, string[]>)["kube-apiserver-arg+"];
                assert.ok(args.some((a) => a.startsWith("authentication-config=")), `${c.name} points the API server at an AuthenticationConfiguration`);
                assert.ok(!args.some((a) => a.startsWith("oidc-")), `${c.name} sets no oidc-* flags in structured mode`);
            }
            const release = prodRun.h.one(T.release);
            cmds.forEach((c) => assert.ok(release.dependsOn.includes(c.urn), `the release waits for ${c.name}`));
        });

        it("never collides with dev in the systems both may share: Authentik slugs, client ids, mapping names, drop-in files", async () => {
            const physical = (run: Run) => ({
                slug: run.h.one(T.application).inputs.slug as string,
                oauth2Name: run.h.one(T.oauth2).inputs.name as string,
                clientId: run.h.one(T.oauth2).inputs.clientId as string,
                mapping: run.h.one(T.scope).inputs.name as string,
            });
            const d = physical(devRun);
            const p = physical(prodRun);
            for (const key of Object.keys(d) as (keyof typeof d)[]) {
                assert.notStrictEqual(d[key], p[key], `${key} differs between stacks`);
            }
            assert.strictEqual(p.slug, "headlamp-prod");
            assert.strictEqual(await valueOf(prodRun.program.issuerUrl), "https://auth.example.com/application/o/headlamp-prod/");
            const dropInPath = (run: Run) => /\ndropin=(\S+)/.exec(run.h.ofType(T.command)[0].inputs.stdin as string)?.[1];
            assert.ok(dropInPath(devRun) && dropInPath(prodRun));
            assert.notStrictEqual(dropInPath(devRun), dropInPath(prodRun), "two stacks on one cluster write different drop-ins");
            const logicalNames = (run: Run) => new Set(run.h.resources.filter((r) => !r.type.startsWith("pulumi:providers:")).map(name));
            const shared = [...logicalNames(devRun)].filter((n) => logicalNames(prodRun).has(n));
            assert.deepStrictEqual(shared, [], "no resource name is the same in both stacks");
            const crbNames = (run: Run) => run.h.ofType(T.crb).map((r) => r.inputs.metadata?.name as string | undefined);
            [...crbNames(devRun), ...crbNames(prodRun)].forEach((n) => assert.strictEqual(n, undefined, "cluster-scoped bindings are auto-named"));
        });

        it("exports its own URL and kubeconfig", async () => {
            assert.strictEqual(await valueOf(prodRun.program.headlampUrl), "https://headlamp.example.com/");
            const kc = await valueOf(prodRun.program.kubeconfig!);
            assert.ok(kc.includes("name: headlamp-sso-prod") && kc.includes("server: https://k3s-1.example.lan:6443"));
        });
    });

    describe("each missing or bad config key stops the program before anything is registered", () => {
        const cases: [string, Record<string, unknown>, RegExp][] = [
            ["missing authentik:url", { "authentik:url": undefined }, /authentik:url: is required; run `pulumi config set authentik:url/],
            ["http authentik:url", { "authentik:url": "http://auth.example.com" }, /authentik:url: .*https/],
            ["missing authentik:token", { "authentik:token": undefined }, /authentik:token: is required; .*pulumi config set --secret authentik:token/],
            ["missing servers", { "headlamp-sso:servers": undefined }, /headlamp-sso:servers: is required/],
            ["a bad server", { "headlamp-sso:servers": ["root@bad host"] }, /headlamp-sso:servers\[0\]: .*user@host/],
            ["missing sshPrivateKey", { sshPrivateKey: undefined }, /headlamp-sso:sshPrivateKey: is required; run `pulumi config set --secret sshPrivateKey/],
            ["missing headlampHost", { "headlamp-sso:headlampHost": undefined }, /headlamp-sso:headlampHost: is required/],
            ["a bad headlampHost", { "headlamp-sso:headlampHost": "https://headlamp.example.com/" }, /headlamp-sso:headlampHost: /],
            ["an unknown apiServerMode", { "headlamp-sso:apiServerMode": "oidc" }, /headlamp-sso:apiServerMode: "oidc" is not one of "flags", "structured"/],
            ["an unknown authConfigApiVersion", { "headlamp-sso:authConfigApiVersion": "v2" }, /headlamp-sso:authConfigApiVersion: "v2" is not one of "v1beta1", "v1"/],
            ["an unknown distribution", { "headlamp-sso:distribution": "k0s" }, /headlamp-sso:distribution: "k0s" is not one of "k3s", "rke2"/],
            ["a claim with whitespace", { "headlamp-sso:usernameClaim": "preferred username" }, /headlamp-sso:usernameClaim: .*whitespace/],
            ["a bad boolean", { "headlamp-sso:kubectlAccess": "yes" }, /headlamp-sso:kubectlAccess: "yes" is not a boolean/],
            ["a bad timeout", { "headlamp-sso:readyTimeoutSeconds": "0" }, /headlamp-sso:readyTimeoutSeconds: "0" must be a whole number/],
            ["a bad namespace", { "headlamp-sso:namespace": "Headlamp" }, /headlamp-sso:namespace: /],
            ["a bad appSlug", { "headlamp-sso:appSlug": "headlamp dev" }, /headlamp-sso:appSlug: /],
        ];
        for (const [title, change, expected] of cases) {
            it(title, async () => {
                const h = await MockHarness.install({ config: dev(change), secretKeys: SECRET_KEYS, stack: "dev" });
                const err = await errorOf(() => loadProgram());
                assert.match(err.message, expected);
                assert.match(err.message, /The config of stack "dev"/);
                await h.settle();
                assert.deepStrictEqual(h.resources, [], "nothing is registered");
            });
        }

        it("lists every problem at once and never echoes a secret", async () => {
            const h = await MockHarness.install({
                config: dev({
                    "authentik:url": "http://auth.example.com/x",
                    "headlamp-sso:headlampHost": undefined,
                    "headlamp-sso:distribution": "k0s",
                    apiServerCaPem: "not a certificate, and not the secret",
                }),
                secretKeys: SECRET_KEYS,
                stack: "dev",
            });
            const err = await errorOf(() => loadProgram());
            for (const key of ["authentik:url", "headlamp-sso:headlampHost", "headlamp-sso:distribution", "headlamp-sso:apiServerCaPem"]) {
                assert.ok(err.message.includes(`${key}:`), `names ${key}`);
            }
            assert.ok(!err.message.includes(TEST_SECRETS["authentik:token"]) && !err.message.includes("test-key-material"));
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
        });
    });
});
