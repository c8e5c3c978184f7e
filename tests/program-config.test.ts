// The program's config reading (program/config.ts) and kubeconfig rendering (program/kubeconfig.ts):
// Pulumi.yaml declares what the program reads, the dev stack parses, and each missing or bad key
// gives its own error without echoing a secret.
import * as assert from "assert";
import * as YAML from "yaml";
import { CONFIG_DEFAULTS, readSettings } from "../program/config";
import { caFromKubeconfig, renderOidcKubeconfig } from "../program/kubeconfig";
import { MockHarness, errorOf, secretOf, valueOf } from "./harness";
import { SECRET_KEYS, TEST_SECRETS } from "./program-run";
import { cliConfigErrors, projectConfig, stackConfig, stackFileValues, withoutAuthentikEnv } from "./stack-config";

async function settingsFor(config: Record<string, string>, stack = "dev") {
    await MockHarness.install({ config, secretKeys: SECRET_KEYS, stack });
    return readSettings();
}

describe("program config", () => {
    withoutAuthentikEnv();

    it("Pulumi.yaml declares every key with a type and description, secrets as secret, defaults as the program's", () => {
        const decls = projectConfig();
        for (const [key, decl] of Object.entries(decls)) {
            assert.ok(decl.type, `${key} has a type`);
            assert.ok(decl.description && decl.description.length > 10, `${key} has a description`);
        }
        for (const [key, value] of Object.entries(CONFIG_DEFAULTS)) {
            assert.deepStrictEqual(decls[key]?.default, value, `Pulumi.yaml default of ${key}`);
        }
        const secrets = Object.entries(decls).filter(([, d]) => d.secret).map(([k]) => k).sort();
        assert.deepStrictEqual(secrets, ["sshPrivateKey"], "only the required secret is declared secret: true");
        for (const [key, decl] of Object.entries(decls)) {
            assert.ok(!(decl.secret && decl.default !== undefined), `${key}: the CLI rejects a secret key whose (default) value is plain`);
        }
        for (const key of ["clientSecret", "sshPrivateKeyPassword", "kubeconfig"]) {
            assert.match(decls[key].description ?? "", /^Secret, set it with --secret: /, `${key} says it is a secret`);
        }
        const required = Object.entries(decls).filter(([, d]) => d.default === undefined).map(([k]) => k).sort();
        assert.deepStrictEqual(required, ["headlampHost", "servers", "sshPrivateKey"]);
    });

    it("the CLI's stack config check accepts the dev stack once the README's secrets are set, optional secrets unset", () => {
        const decls = projectConfig();
        const values = { ...stackFileValues("Pulumi.dev.yaml"), "headlamp-sso:sshPrivateKey": "(encrypted)" };
        assert.deepStrictEqual(cliConfigErrors(decls, values, ["headlamp-sso:sshPrivateKey", "authentik:token"], "dev"), []);
        assert.deepStrictEqual(cliConfigErrors(decls, stackFileValues("Pulumi.dev.yaml"), [], "dev"), ["Stack 'dev' is missing configuration value(s) sshPrivateKey"]);
        assert.deepStrictEqual(cliConfigErrors(decls, values, [], "dev"), ["Stack 'dev' with configuration key 'sshPrivateKey' must be encrypted as it's secret"]);
        // What an optional secret declared `secret: true` with a default would do to every stack that leaves it unset:
        const withSecretDefault = { ...decls, clientSecret: { ...decls.clientSecret, secret: true } };
        assert.deepStrictEqual(cliConfigErrors(withSecretDefault, values, ["headlamp-sso:sshPrivateKey"], "dev"), [
            "Stack 'dev' with configuration key 'clientSecret' must be encrypted as it's secret",
        ]);
    });

    it("warns, naming the key and never the value, when a secret key is stored in plain text", async () => {
        const config = stackConfig("Pulumi.dev.yaml", { ...TEST_SECRETS, clientSecret: "plain-client-secret-123", kubeconfig: "apiVersion: v1" });
        await MockHarness.install({ config, secretKeys: ["authentik:token", "headlamp-sso:sshPrivateKey", "headlamp-sso:kubeconfig"], stack: "dev" });
        const s = readSettings();
        assert.deepStrictEqual(s.warnings, [
            "headlamp-sso:clientSecret is stored in plain text in the stack's config; encrypt it with `pulumi config set --secret clientSecret <value>` (this program treats it as a secret either way).",
        ]);
        assert.strictEqual(await secretOf(s.authentik.clientSecret!), true, "still a secret Output");
        const all = await settingsFor(config);
        assert.deepStrictEqual(all.warnings, [], "no warning when every secret key was set with --secret");
    });

    it("reads the dev stack with its defaults", async () => {
        const s = await settingsFor(stackConfig("Pulumi.dev.yaml", TEST_SECRETS));
        assert.strictEqual(s.stack, "dev");
        assert.strictEqual(s.authentik.url, "https://auth.example.com");
        assert.strictEqual(s.authentik.appSlug, "headlamp-dev", "the slug defaults per stack");
        assert.deepStrictEqual(s.authentik.accessGroups, ["k8s-admins", "k8s-viewers"]);
        assert.strictEqual(s.authentik.clientSecret, undefined);
        assert.deepStrictEqual(s.apiServer.servers, [{ user: "root", host: "k3s-1.dev.example.lan", port: 22 }]);
        assert.strictEqual(s.apiServer.mode, "flags");
        assert.strictEqual(s.apiServer.readyTimeoutSeconds, 180);
        assert.strictEqual(s.headlamp.host, "headlamp.dev.example.com");
        assert.strictEqual(s.headlamp.clusterIssuer, "letsencrypt-staging");
        assert.deepStrictEqual([s.headlamp.adminGroups, s.headlamp.viewerGroups, s.headlamp.adminUsers], [["k8s-admins"], ["k8s-viewers"], []]);
        assert.strictEqual(s.kubernetes.apiServerUrl, "https://k3s-1.dev.example.lan:6443");
        assert.strictEqual(s.kubernetes.kubeconfig, undefined);
        assert.strictEqual(await secretOf(s.apiServer.sshPrivateKey), true);
        assert.strictEqual(await valueOf(s.apiServer.sshPrivateKey), TEST_SECRETS.sshPrivateKey);
        assert.strictEqual(await secretOf(s.authentik.token!), true);
        assert.strictEqual(s.authentik.version, "2026.5");
    });

    it("reads authentikVersion as written, and leaves it undefined when unset", async () => {
        assert.strictEqual((await settingsFor(stackConfig("Pulumi.dev.yaml", { ...TEST_SECRETS, authentikVersion: "2025.12.4" }))).authentik.version, "2025.12.4");
        assert.strictEqual((await settingsFor(stackConfig("Pulumi.dev.yaml", { ...TEST_SECRETS, authentikVersion: undefined }))).authentik.version, undefined);
    });

    it("parses ports, users, IPv6 and known host keys", async () => {
        const s = await settingsFor(stackConfig("Pulumi.dev.yaml", {
            ...TEST_SECRETS,
            servers: ["k3s-1.lan", "ubuntu@10.0.0.12:2222", "admin@[fd00::13]:22"],
            sshHostKeys: ["10.0.0.12 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey12"],
        }));
        assert.deepStrictEqual(s.apiServer.servers, [
            { user: "root", host: "k3s-1.lan", port: 22 },
            { user: "ubuntu", host: "10.0.0.12", port: 2222, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey12" },
            { user: "admin", host: "fd00::13", port: 22 },
        ]);
    });

    it("reads gatewayParentRefs as namespace/name[/sectionName] and gatewayAnnotations as key=value", async () => {
        const s = await settingsFor(stackConfig("Pulumi.dev.yaml", {
            ...TEST_SECRETS,
            clusterIssuer: undefined,
            gatewayParentRefs: ["gateway-system/public/https", "kube-system/traefik-gateway"],
            gatewayAnnotations: ["example.com/team=ops", "example.com/note=a=b"],
        }));
        assert.deepStrictEqual(s.headlamp.gateway, {
            parentRefs: [{ namespace: "gateway-system", name: "public", sectionName: "https" }, { namespace: "kube-system", name: "traefik-gateway" }],
            annotations: { "example.com/team": "ops", "example.com/note": "a=b" },
        });
        const ingress = await settingsFor(stackConfig("Pulumi.dev.yaml", TEST_SECRETS));
        assert.strictEqual(ingress.headlamp.gateway, undefined, "an empty list (the default) means an Ingress");
    });

    const bad: [string, Record<string, unknown>, RegExp][] = [
        ["a parentRef without a namespace", { clusterIssuer: undefined, gatewayParentRefs: ["public"] }, /headlamp-sso:gatewayParentRefs\[0\]: "public" is not namespace\/name\[\/sectionName\]/],
        ["a bad Gateway name", { clusterIssuer: undefined, gatewayParentRefs: ["gateway-system/Public"] }, /headlamp-sso:gatewayParentRefs\[0\] \(name\): "Public" is not a valid Kubernetes name/],
        ["a bad listener name", { clusterIssuer: undefined, gatewayParentRefs: ["gateway-system/public/HTTPS"] }, /headlamp-sso:gatewayParentRefs\[0\] \(sectionName\): "HTTPS" is not a Gateway listener name/],
        ["clusterIssuer with gatewayParentRefs", { gatewayParentRefs: ["gateway-system/public"] }, /headlamp-sso:clusterIssuer: does not apply with gatewayParentRefs .*TLS terminates at the Gateway's listener/],
        ["ingressClassName with gatewayParentRefs", { clusterIssuer: undefined, ingressClassName: "nginx", gatewayParentRefs: ["gateway-system/public"] }, /headlamp-sso:ingressClassName: does not apply with gatewayParentRefs/],
        ["an annotation that is not key=value", { clusterIssuer: undefined, gatewayParentRefs: ["gateway-system/public"], gatewayAnnotations: ["team"] }, /headlamp-sso:gatewayAnnotations\[0\]: "team" is not key=value/],
        ["gatewayAnnotations without gatewayParentRefs", { gatewayAnnotations: ["a=b"] }, /headlamp-sso:gatewayAnnotations: only applies with gatewayParentRefs/],
        ["missing authentik:url", { "authentik:url": undefined }, /authentik:url: is required/],
        ["http authentik:url", { "authentik:url": "http://auth.example.com" }, /authentik:url: "http:\/\/auth\.example\.com" must use https/],
        ["missing authentik:token", { "authentik:token": undefined }, /authentik:token: is required/],
        ["missing servers", { servers: undefined }, /headlamp-sso:servers: is required/],
        ["empty servers", { servers: [] }, /headlamp-sso:servers: must list at least one K3s server/],
        ["a bad server", { servers: ["root@k3s 1"] }, /headlamp-sso:servers\[0\]: "root@k3s 1" is not an SSH target/],
        ["a bad port", { servers: ["root@k3s-1:70000"] }, /headlamp-sso:servers\[0\]: .* has port 70000/],
        ["servers not a list", { servers: "root@k3s-1" }, /headlamp-sso:servers: must be a list of strings/],
        ["missing sshPrivateKey", { sshPrivateKey: undefined }, /headlamp-sso:sshPrivateKey: is required/],
        ["a bad host key", { sshHostKeys: ["k3s-1.dev.example.lan AAAA"] }, /headlamp-sso:sshHostKeys\[0\]: must be "<host> <key type> <base64 key>"/],
        ["a host key for an unknown host", { sshHostKeys: ["other ssh-ed25519 AAAA"] }, /headlamp-sso:sshHostKeys: has a key for "other", which is not in servers/],
        ["missing headlampHost", { headlampHost: undefined }, /headlamp-sso:headlampHost: is required/],
        ["a bad headlampHost", { headlampHost: "https://Headlamp.example.com" }, /headlamp-sso:headlampHost: .* is not a DNS name/],
        ["a bad authentikVersion", { authentikVersion: "2025.12-rc1" }, /headlamp-sso:authentikVersion: "2025\.12-rc1" is not an Authentik release; write it as YYYY\.M or YYYY\.M\.P/],
        ["an unquoted 2025.10 (YAML's 2025.1)", { authentikVersion: 2025.10 }, /headlamp-sso:authentikVersion: "2025\.1" is not an Authentik release .*quote it/],
        ["an authentikVersion below 2025.10", { authentikVersion: "2024.12.3" }, /headlamp-sso:authentikVersion: "2024\.12\.3" is older than Authentik 2025\.10/],
        ["a bad appSlug", { appSlug: "my app" }, /headlamp-sso:appSlug: "my app" is not a valid slug/],
        ["a bad namespace", { namespace: "Head_lamp" }, /headlamp-sso:namespace: "Head_lamp" is not a valid Kubernetes name/],
        ["a bad boolean", { createAccessGroups: "yes" }, /headlamp-sso:createAccessGroups: "yes" is not a boolean/],
        ["a bad integer", { readyTimeoutSeconds: "soon" }, /headlamp-sso:readyTimeoutSeconds: "soon" must be a whole number from 10 to 3600/],
        ["an empty list entry", { adminUsers: [""] }, /headlamp-sso:adminUsers\[0\]: must not be empty/],
        ["a bad namespaceAccess line", { namespaceAccess: ["web/owner/group/web-team"] }, /headlamp-sso:namespaceAccess\[0\]: "web\/owner\/group\/web-team" is not <namespace>\/<admin\|operator\|viewer>\/<user\|group>\/<name>/],
        ["a system namespace in namespaceAccess", { namespaceAccess: ["kube-system/admin/group/ops"] }, /headlamp-sso:namespaceAccess\[0\]: "kube-system" is a system namespace .*add it to headlamp-sso:allowSystemNamespaces if you mean it/],
        ["Headlamp's own namespace in namespaceAccess", { namespaceAccess: ["headlamp/viewer/group/ops"] }, /headlamp-sso:namespaceAccess\[0\]: "headlamp" is a system namespace \(Headlamp's own, with the OIDC client secret\)/],
        ["a system: group in namespaceAccess", { namespaceAccess: ["web/viewer/group/system:authenticated"] }, /headlamp-sso:namespaceAccess\[0\]: "system:authenticated" is a Kubernetes built-in group name/],
        ["an allowSystemNamespaces entry namespaceAccess does not name", { allowSystemNamespaces: ["kube-public"] }, /headlamp-sso:allowSystemNamespaces\[0\]: "kube-public" is not a namespace of headlamp-sso:namespaceAccess/],
        ["a system: name in operatorGroups", { operatorGroups: ["system:masters"] }, /headlamp-sso:operatorGroups\[0\]: "system:masters" is a Kubernetes built-in group name/],
        ["a bad apiServerUrl", { apiServerUrl: "http://k3s-1:6443" }, /headlamp-sso:apiServerUrl: .* must use https/],
        ["a bad authentik:insecure", { "authentik:insecure": "yes" }, /authentik:insecure: "yes" is not a boolean; set it to true or false/],
        ["a bad CA", { apiServerCaPem: "not a cert" }, /headlamp-sso:apiServerCaPem: is not a PEM certificate; give the cluster CA, \/var\/lib\/rancher\/k3s\/server\/tls\/server-ca.crt/],
        ["a private key in the CA", { apiServerCaPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n" }, /headlamp-sso:apiServerCaPem: contains a private key/],
    ];
    for (const [what, patch, pattern] of bad) {
        it(`names the key for ${what}`, async () => {
            const h = await MockHarness.install({ config: stackConfig("Pulumi.dev.yaml", { ...TEST_SECRETS, ...patch }), secretKeys: SECRET_KEYS, stack: "dev" });
            const err = await errorOf(() => readSettings());
            assert.match(err.message, pattern);
            assert.match(err.message, /^The config of stack "dev" has 1 invalid input problem/);
            assert.ok(!err.message.includes("test-key-material"), "the SSH key is never echoed");
            assert.ok(!err.message.includes("test-authentik-token"), "the token is never echoed");
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
        });
    }

    it("reads operatorUsers/operatorGroups and groups namespaceAccess lines by namespace (a listed system namespace allowed); none of them by default", async () => {
        const dflt = await settingsFor(stackConfig("Pulumi.dev.yaml", TEST_SECRETS));
        assert.deepStrictEqual([dflt.headlamp.operatorUsers, dflt.headlamp.operatorGroups, dflt.headlamp.namespaceAccess], [[], [], []]);
        const s = await settingsFor(stackConfig("Pulumi.dev.yaml", {
            ...TEST_SECRETS,
            operatorUsers: ["olga@example.com"],
            operatorGroups: ["ops"],
            namespaceAccess: ["web/operator/group/web-team", "shop/admin/user/sam@example.com", "web/viewer/user/vic@example.com", "web/operator/group/web-team", "kube-system/viewer/group/team/infra"],
            allowSystemNamespaces: ["kube-system"],
        }));
        assert.deepStrictEqual([s.headlamp.operatorUsers, s.headlamp.operatorGroups], [["olga@example.com"], ["ops"]]);
        const none = { users: [], groups: [] };
        assert.deepStrictEqual(s.headlamp.namespaceAccess, [
            { namespace: "web", admins: none, operators: { users: [], groups: ["web-team"] }, viewers: { users: ["vic@example.com"], groups: [] }, allowSystemNamespace: false },
            { namespace: "shop", admins: { users: ["sam@example.com"], groups: [] }, operators: none, viewers: none, allowSystemNamespace: false },
            { namespace: "kube-system", admins: none, operators: none, viewers: { users: [], groups: ["team/infra"] }, allowSystemNamespace: true },
        ]);
    });

    it("lists every problem at once", async () => {
        await MockHarness.install({ config: stackConfig({}, {}), secretKeys: SECRET_KEYS, stack: "dev" });
        const err = await errorOf(() => readSettings());
        for (const key of ["authentik:url", "authentik:token", "headlamp-sso:servers", "headlamp-sso:sshPrivateKey", "headlamp-sso:headlampHost"]) {
            assert.ok(err.message.includes(`  - ${key}: `), `names ${key}`);
        }
    });
});

describe("kubelogin kubeconfig", () => {
    const ca = "-----BEGIN CERTIFICATE-----\nMIIBcluster\n-----END CERTIFICATE-----\n";
    it("logs in with kubectl oidc-login against the issuer and trusts the cluster CA", () => {
        const text = renderOidcKubeconfig({
            name: "headlamp-sso-dev",
            server: "https://k3s-1.lan:6443",
            caPem: ca,
            issuerUrl: "https://auth.example.com/application/o/headlamp-dev/",
            clientId: "headlamp-dev",
            clientSecret: "cs",
            extraScopes: ["openid", "email", "profile", "offline_access"],
        });
        const doc = YAML.parse(text);
        assert.strictEqual(doc["current-context"], "headlamp-sso-dev");
        assert.deepStrictEqual(doc.clusters[0], {
            name: "headlamp-sso-dev",
            cluster: { server: "https://k3s-1.lan:6443", "certificate-authority-data": Buffer.from(ca).toString("base64") },
        });
        assert.deepStrictEqual(doc.contexts[0].context, { cluster: "headlamp-sso-dev", user: "headlamp-sso-dev-oidc" });
        const exec = doc.users[0].user.exec;
        assert.strictEqual(exec.command, "kubectl");
        assert.strictEqual(exec.apiVersion, "client.authentication.k8s.io/v1");
        assert.deepStrictEqual(exec.args, [
            "oidc-login",
            "get-token",
            "--oidc-issuer-url=https://auth.example.com/application/o/headlamp-dev/",
            "--oidc-client-id=headlamp-dev",
            "--oidc-client-secret=cs",
            "--oidc-extra-scope=email",
            "--oidc-extra-scope=profile",
            "--oidc-extra-scope=offline_access",
        ]);
        assert.strictEqual(caFromKubeconfig(text), ca, "the CA round-trips");
    });

    it("leaves the CA out when none is known, and reads none from garbage", () => {
        const doc = YAML.parse(renderOidcKubeconfig({ name: "x", server: "https://a:6443", issuerUrl: "https://i/", clientId: "c", clientSecret: "s", extraScopes: [] }));
        assert.deepStrictEqual(doc.clusters[0].cluster, { server: "https://a:6443" });
        assert.strictEqual(caFromKubeconfig(": not yaml ["), undefined);
        assert.strictEqual(caFromKubeconfig("apiVersion: v1\nclusters: []\n"), undefined);
    });
});
