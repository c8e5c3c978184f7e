// Authentik behind a private CA (issue 14): one config key, `authentikCaPem`, reaches the four
// places that contact the issuer, and none of them when it is unset.
//   - the K3s API servers (K3sOidcApiServer's issuerCaPem: oidc-ca-file, or certificateAuthority);
//   - Headlamp (a ConfigMap mounted through the chart's volumes/volumeMounts, env
//     HEADLAMP_CONFIG_OIDC_CA_FILE through its env list, a checksum pod annotation);
//   - kubectl (kubelogin's --certificate-authority-data in the exported kubeconfig);
//   - the Pulumi Authentik provider (not configurable: a warning steers away from authentik:insecure).
// Pure checks first, then HeadlampRelease and the whole program under mocks; the copies of the
// bundle the program hands out are then used for real TLS handshakes with an https "issuer" on
// 127.0.0.1 whose certificate the CA signed.
import * as assert from "assert";
import * as https from "https";
import { AddressInfo } from "net";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { HeadlampRelease, HeadlampReleaseArgs } from "../components";
import { HeadlampArgsToCheck, ISSUER_CA, validateHeadlampArgs } from "../components/headlamp/settings";
import { issuerCaChecksum, renderValues } from "../components/headlamp/render";
import { Problems, checkCertificateBundle } from "../components/validation";
import { INSECURE_WARNING } from "../program/config";
import { renderOidcKubeconfig } from "../program/kubeconfig";
import { ISSUER_CERT_PEM, ISSUER_KEY_PEM, PRIVATE_CA_PEM, SECOND_CA_PEM } from "./fixtures/private-ca";
import { MockHarness, RecordedResource, allStrings, errorOf, fileWrittenBy, isSecretIn, valueOf } from "./harness";
import { SECRET_KEYS, TEST_SECRETS } from "./program-run";
import { PROD, Run, dev, dropInWrittenBy, loadProgram, runProgram } from "./program-run";
import { stackConfig, withoutAuthentikEnv } from "./stack-config";

const T = {
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    release: "kubernetes:helm.sh/v3:Release",
    command: "command:remote:Command",
};
const BUNDLE = `${PRIVATE_CA_PEM}${SECOND_CA_PEM}`;
const SECRET = "client-secret-for-the-ca-tests-0123";
const ISSUER = "https://auth.example.com/application/o/headlamp-dev/";
const KEY_PEM = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBafFgCQ4z9Ts8pGqf7oAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n";

function problemsOf(value: string | undefined): Problems {
    const p = new Problems();
    checkCertificateBundle(p, "ca", value, "the CA");
    return p;
}

/** The pod template's parts that carry the CA, as the chart's templates/deployment.yaml renders them. */
interface PodCaView {
    env: { name: string; value?: string }[];
    volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
    volumes: { name: string; configMap?: { name: string } }[];
    annotations: Record<string, string>;
}

/**
 * A stand-in for the chart's deployment template, limited to what the CA needs (chart 0.45.0,
 * kubernetes-sigs/headlamp commit f3380468, charts/headlamp/templates/deployment.yaml): with `config.oidc.externalSecret.enabled` the
 * container gets `envFrom` the Secret plus `env: {{ toYaml .Values.env }}`, `volumeMounts:
 * {{ toYaml .Values.volumeMounts }}`, the pod `volumes: {{ toYaml .Values.volumes }}` and
 * `annotations: {{ toYaml .Values.podAnnotations }}`; nothing else adds to those lists in our setup
 * (no plugin manager, no cluster inventory, no read-only root filesystem).
 */
function podOf(values: Record<string, any>): PodCaView {
    assert.strictEqual(values.config?.oidc?.externalSecret?.enabled, true, "the chart runs in externalSecret mode");
    return { env: values.env ?? [], volumeMounts: values.volumeMounts ?? [], volumes: values.volumes ?? [], annotations: values.podAnnotations ?? {} };
}

/**
 * Follows HEADLAMP_CONFIG_OIDC_CA_FILE through the pod to the ConfigMap key it names, as the kubelet
 * would mount it: the mount whose path is the file's directory, its volume, the ConfigMap, the key.
 */
function caFileSource(pod: PodCaView): { configMap: string; key: string } | undefined {
    const file = pod.env.find((e) => e.name === ISSUER_CA.env)?.value;
    if (file === undefined) {
        return undefined;
    }
    const mount = pod.volumeMounts.find((m) => file.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${file} lies under a volume mount`);
    assert.strictEqual(mount.readOnly, true);
    const volume = pod.volumes.find((v) => v.name === mount.name);
    assert.ok(volume?.configMap, `volume ${mount.name} is a ConfigMap volume`);
    return { configMap: volume.configMap.name, key: file.slice(mount.mountPath.length + 1) };
}

/** An https "issuer" on 127.0.0.1 whose certificate PRIVATE_CA_PEM signed; serves its discovery document. */
async function startIssuer(): Promise<{ url: string; close: () => Promise<void> }> {
    const server = https.createServer({ cert: ISSUER_CERT_PEM, key: ISSUER_KEY_PEM }, (_req, res) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ issuer: "https://127.0.0.1/application/o/headlamp-dev/" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `https://127.0.0.1:${port}/.well-known/openid-configuration`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** GETs `url` trusting only `ca` (or the system roots when undefined); resolves "ok" or the TLS error code. */
function fetchWith(url: string, ca: string | undefined): Promise<string> {
    return new Promise((resolve) => {
        https.get(url, { ca, agent: false }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode === 200 ? "ok" : `HTTP ${res.statusCode}`));
        }).on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
}

describe("private CA of Authentik (authentikCaPem), end to end", function () {
    this.timeout(60000);

    describe("checkCertificateBundle (pure)", () => {
        it("accepts one real certificate and a bundle of two, with text between the blocks", () => {
            assert.ok(problemsOf(PRIVATE_CA_PEM).ok);
            assert.ok(problemsOf(BUNDLE).ok);
            assert.ok(problemsOf(`subject=CN=root\n${PRIVATE_CA_PEM}\nsubject=CN=second\n${SECOND_CA_PEM}`).ok, "openssl's subject lines are ignored, as Go's PEM decoder does");
            assert.ok(problemsOf(undefined).ok, "unset is fine");
        });

        it("rejects text that only looks like a certificate, naming which one, and a bundle with a broken member", () => {
            const fake = "-----BEGIN CERTIFICATE-----\nMIIBfakefakefake\n-----END CERTIFICATE-----\n";
            assert.deepStrictEqual(problemsOf(fake).list.map((p) => p.message), ["certificate 1 of 1 is not a valid X.509 certificate; copy the whole PEM block of the CA."]);
            assert.deepStrictEqual(problemsOf(`${PRIVATE_CA_PEM}${fake}`).list.map((p) => p.message), ["certificate 2 of 2 is not a valid X.509 certificate; copy the whole PEM block of the CA."]);
            assert.match(problemsOf("not a pem at all").list[0].message, /is not a PEM certificate; give the CA, from -----BEGIN CERTIFICATE-----/);
        });

        it("rejects a private key (without quoting it) and any block that is not a CERTIFICATE", () => {
            const withKey = problemsOf(`${PRIVATE_CA_PEM}${KEY_PEM}`);
            assert.deepStrictEqual(withKey.list.map((p) => p.message), ["contains a private key; give only the CA certificate, never a key."]);
            assert.ok(!withKey.format("x").includes("MHcCAQEE"), "the key is never echoed");
            const csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
            assert.deepStrictEqual(problemsOf(`${PRIVATE_CA_PEM}${csr}`).list.map((p) => p.message), ['PEM block 2 is a "CERTIFICATE REQUEST"; give only CERTIFICATE blocks (the CA).']);
        });
    });

    describe("kubeconfig (pure)", () => {
        const input = { name: "headlamp-sso-dev", server: "https://k3s-1.lan:6443", issuerUrl: ISSUER, clientId: "headlamp-dev", clientSecret: SECRET, extraScopes: ["email"] };
        const args = (text: string) => (YAML.parse(text) as { users: { user: { exec: { args: string[] } } }[] }).users[0].user.exec.args;

        it("passes the issuer CA to kubelogin as --certificate-authority-data, base64 of the PEM bundle", () => {
            const a = args(renderOidcKubeconfig({ ...input, issuerCaPem: BUNDLE }));
            const flags = a.filter((x) => x.startsWith("--certificate-authority-data="));
            assert.strictEqual(flags.length, 1, "one flag carries the whole bundle (kubelogin appends every certificate in it)");
            const value = flags[0].slice("--certificate-authority-data=".length);
            assert.match(value, /^[A-Za-z0-9+/]+={0,2}$/, "standard base64, which kubelogin decodes with base64.StdEncoding");
            assert.strictEqual(Buffer.from(value, "base64").toString("utf8"), BUNDLE);
        });

        it("passes no CA flag without one, and keeps the cluster CA apart from the issuer CA", () => {
            assert.ok(!args(renderOidcKubeconfig(input)).some((x) => x.startsWith("--certificate-authority")));
            const kc = YAML.parse(renderOidcKubeconfig({ ...input, issuerCaPem: PRIVATE_CA_PEM, caPem: SECOND_CA_PEM })) as { clusters: { cluster: Record<string, string> }[] };
            assert.strictEqual(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), SECOND_CA_PEM, "the cluster entry holds the API server's CA, not Authentik's");
        });
    });

    describe("HeadlampRelease settings (pure)", () => {
        const good = (): HeadlampArgsToCheck => ({ host: "headlamp.example.com", oidc: { clientId: "h", clientSecret: SECRET, issuerUrl: ISSUER } });
        const fieldsOf = (a: HeadlampArgsToCheck) => validateHeadlampArgs(a).list.map((p) => p.field);

        it("checks oidc.issuerCaPem as a certificate bundle; empty means none, Outputs are taken as given", () => {
            assert.deepStrictEqual(fieldsOf({ ...good(), oidc: { ...good().oidc, issuerCaPem: BUNDLE } }), []);
            assert.deepStrictEqual(fieldsOf({ ...good(), oidc: { ...good().oidc, issuerCaPem: "" } }), []);
            assert.deepStrictEqual(fieldsOf({ ...good(), oidc: { ...good().oidc, issuerCaPem: pulumi.output("anything") } }), []);
            assert.deepStrictEqual(fieldsOf({ ...good(), oidc: { ...good().oidc, issuerCaPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" } }), ["oidc.issuerCaPem"]);
            assert.deepStrictEqual(fieldsOf({ ...good(), oidc: { ...good().oidc, issuerCaPem: 42 } }), ["oidc.issuerCaPem"]);
        });

        it("rejects values that would clash with the CA's env entry, volume, volume mount or checksum annotation", () => {
            assert.deepStrictEqual(fieldsOf({ ...good(), values: { env: [{ name: "TZ", value: "UTC" }, { name: ISSUER_CA.env, value: "/x" }] } }), ["values.env[1]"]);
            assert.deepStrictEqual(fieldsOf({ ...good(), values: { volumes: [{ name: ISSUER_CA.volumeName, emptyDir: {} }] } }), ["values.volumes[0]"]);
            assert.deepStrictEqual(fieldsOf({ ...good(), values: { volumeMounts: [{ name: "extra", mountPath: "/extra" }, { name: "mine", mountPath: ISSUER_CA.mountPath }] } }), ["values.volumeMounts[1]"], "a second mount at the CA's path");
            assert.deepStrictEqual(fieldsOf({ ...good(), values: { volumeMounts: [{ name: ISSUER_CA.volumeName, mountPath: "/elsewhere" }] } }), ["values.volumeMounts[0]"]);
            assert.deepStrictEqual(fieldsOf({ ...good(), values: { podAnnotations: { [ISSUER_CA.checksumAnnotation]: "x" } } }), [`values.podAnnotations["${ISSUER_CA.checksumAnnotation}"]`]);
            assert.deepStrictEqual(fieldsOf({ ...good(), values: { env: [{ name: "TZ", value: "UTC" }], volumes: [{ name: "extra", emptyDir: {} }], volumeMounts: [{ name: "extra", mountPath: "/extra" }] } }), [], "other entries are fine");
        });

        const settings = { secretName: "headlamp-oidc", host: "h.example.com", ingressClassName: "traefik", resources: {}, checksum: "abc", callbackUrl: "https://h.example.com/oidc-callback", usePkce: false };

        it("renders no env, volumes or volume mounts without a CA", () => {
            const v = renderValues(settings);
            for (const key of ["env", "volumes", "volumeMounts"]) {
                assert.ok(!(key in v), `no ${key}`);
            }
            assert.deepStrictEqual(v.podAnnotations, { "checksum/oidc-secret": "abc" });
        });

        it("with a CA: the env names the file in the mounted ConfigMap, the checksum is annotated, and the user's lists stay", () => {
            const v = renderValues({
                ...settings,
                values: { env: [{ name: "TZ", value: "UTC" }], volumes: [{ name: "extra", emptyDir: {} }], volumeMounts: [{ name: "extra", mountPath: "/extra" }], podAnnotations: { team: "ops" } },
                issuerCa: { configMapName: "headlamp-oidc-ca", checksum: issuerCaChecksum(PRIVATE_CA_PEM) },
            });
            const pod = podOf(v);
            assert.deepStrictEqual(caFileSource(pod), { configMap: "headlamp-oidc-ca", key: ISSUER_CA.configMapKey });
            assert.deepStrictEqual(pod.env.map((e) => e.name), ["TZ", ISSUER_CA.env]);
            assert.deepStrictEqual(pod.volumes.map((e) => e.name), ["extra", ISSUER_CA.volumeName]);
            assert.deepStrictEqual(pod.volumeMounts.map((e) => e.name), ["extra", ISSUER_CA.volumeName]);
            assert.deepStrictEqual(pod.annotations, { "checksum/oidc-secret": "abc", team: "ops", "checksum/oidc-ca": issuerCaChecksum(PRIVATE_CA_PEM) });
        });

        it("the CA checksum is a sha256 that changes with the bundle", () => {
            assert.match(issuerCaChecksum(PRIVATE_CA_PEM), /^[0-9a-f]{64}$/);
            assert.notStrictEqual(issuerCaChecksum(PRIVATE_CA_PEM), issuerCaChecksum(BUNDLE));
            assert.notStrictEqual(issuerCaChecksum(PRIVATE_CA_PEM), issuerCaChecksum(`${PRIVATE_CA_PEM}\n`), "any change of the ConfigMap's bytes restarts the pod");
            assert.strictEqual(issuerCaChecksum(PRIVATE_CA_PEM), issuerCaChecksum(PRIVATE_CA_PEM.slice()), "and the same bundle gives the same value (no restart on a no-op)");
        });
    });

    describe("HeadlampRelease under mocks", () => {
        let h: MockHarness;
        beforeEach(async () => {
            h = await MockHarness.install();
        });
        afterEach(() => h.assertNoUnknownInvokes());

        const args = (issuerCaPem?: pulumi.Input<string>): HeadlampReleaseArgs => ({
            host: "headlamp.example.com",
            releaseName: "hl",
            oidc: { clientId: "headlamp-dev", clientSecret: pulumi.secret(SECRET), issuerUrl: ISSUER, issuerCaPem },
            admins: { users: ["alice@example.com"] },
        });
        async function build(a: HeadlampReleaseArgs): Promise<void> {
            const c = new HeadlampRelease("headlamp-dev", a);
            await valueOf(c.status);
            await h.settle();
        }

        it("puts the CA into a ConfigMap that the release mounts and names in HEADLAMP_CONFIG_OIDC_CA_FILE, and waits for it", async () => {
            await build(args(pulumi.output(BUNDLE)));
            const cm = h.one(T.configMap, "headlamp-dev-oidc-ca");
            assert.deepStrictEqual(cm.inputs.metadata, { name: "hl-oidc-ca", namespace: "headlamp" });
            assert.ok(!isSecretIn(cm.rawInputs, "data"), "a CA certificate is public: no secret, so its diffs stay visible");
            const release = h.one(T.release);
            const source = caFileSource(podOf(release.inputs.values));
            assert.ok(source, "Headlamp is told where the CA file is");
            assert.strictEqual(source.configMap, cm.inputs.metadata.name);
            assert.strictEqual(cm.inputs.data[source.key], BUNDLE, "the file Headlamp reads holds the whole bundle");
            assert.strictEqual(release.inputs.values.podAnnotations[ISSUER_CA.checksumAnnotation], issuerCaChecksum(BUNDLE));
            assert.ok(release.dependsOn.includes(cm.urn), "the pod is not started before its ConfigMap exists");
            assert.ok(release.dependsOn.includes(h.one(T.secret).urn));
            assert.ok(!allStrings(release.inputs).some((s) => s.includes(SECRET)), "the client secret stays out of the Helm values");
            assert.ok(!isSecretIn(release.rawInputs, "values"));
        });

        it("creates no ConfigMap and mounts nothing without a CA, or with an empty one", async () => {
            for (const ca of [undefined, ""]) {
                h = await MockHarness.install();
                await build(args(ca));
                assert.deepStrictEqual(h.ofType(T.configMap), [], `no ConfigMap for ${JSON.stringify(ca)}`);
                assert.strictEqual(caFileSource(podOf(h.one(T.release).inputs.values)), undefined);
            }
        });

        it("stops on a CA that is not a certificate, before anything is registered", async () => {
            const err = await errorOf(() => new HeadlampRelease("bad", args("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")));
            assert.match(err.message, /oidc\.issuerCaPem: certificate 1 of 1 is not a valid X\.509 certificate/);
            await h.settle();
            assert.deepStrictEqual(h.resources, []);
        });
    });

    describe("the program: one key, four places", () => {
        withoutAuthentikEnv();

        /** What each place that contacts the issuer got. */
        async function placesOf(run: Run): Promise<{ caFile?: string; dropInArgs: string[]; headlamp?: string; kubelogin?: string; configMaps: RecordedResource[] }> {
            const cmd = run.h.one(T.command);
            const script = cmd.inputs.stdin as string;
            assert.strictEqual(cmd.inputs.update, cmd.inputs.create, "update runs the same command (the script comes on stdin)");
            const dropIn = YAML.parse(dropInWrittenBy(script)) as Record<string, string[]>;
            const release = run.h.one(T.release);
            const source = caFileSource(podOf(release.inputs.values));
            const cm = source && run.h.ofType(T.configMap).find((c) => c.inputs.metadata.name === source.configMap);
            const kcArgs = (YAML.parse(await valueOf(run.program.kubeconfig!)) as { users: { user: { exec: { args: string[] } } }[] }).users[0].user.exec.args;
            const flag = kcArgs.find((a) => a.startsWith("--certificate-authority-data="));
            return {
                // The CA file starts with K3sOidcApiServer's owner lines (pem.Decode skips them).
                caFile: fileWrittenBy(script, "ca_file")?.replace(/^(#.*\n)+/, ""),
                dropInArgs: dropIn["kube-apiserver-arg+"],
                headlamp: source && cm?.inputs.data[source.key],
                kubelogin: flag && Buffer.from(flag.split("=")[1], "base64").toString("utf8"),
                configMaps: run.h.ofType(T.configMap),
            };
        }

        it("authentikCaPem reaches the API server (oidc-ca-file), Headlamp (mounted file) and kubelogin (flag)", async () => {
            const run = await runProgram(dev({ authentikCaPem: BUNDLE }));
            const p = await placesOf(run);
            assert.strictEqual(p.caFile, BUNDLE, "the CA file the script installs on the server");
            const caFlag = p.dropInArgs.find((a) => a.startsWith("oidc-ca-file="));
            const caPath = /\nca_file=(\S+)/.exec(run.h.one(T.command).inputs.stdin as string)?.[1];
            assert.strictEqual(caFlag, `oidc-ca-file=${caPath}`, "kube-apiserver is pointed at that file");
            assert.strictEqual(caPath, "/etc/rancher/k3s/oidc-dev-oidc-ca.pem", "next to config.yaml, named after the stack, as docs/deploy.md says");
            assert.strictEqual(p.headlamp, BUNDLE);
            assert.strictEqual(p.kubelogin, BUNDLE);
            assert.deepStrictEqual(run.warnings.filter((w) => /insecure|authentikCaPem/.test(w)), []);
        });

        it("each place's copy of the bundle verifies a real TLS handshake with an issuer on 127.0.0.1 that the CA signed", async () => {
            const p = await placesOf(await runProgram(dev({ authentikCaPem: BUNDLE })));
            const issuer = await startIssuer();
            try {
                assert.strictEqual(await fetchWith(issuer.url, undefined), "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "the system roots do not trust it (the reported x509 error)");
                assert.strictEqual(await fetchWith(issuer.url, SECOND_CA_PEM), "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "another CA does not either");
                for (const [place, bundle] of Object.entries({ "API server CA file": p.caFile, "Headlamp's mounted file": p.headlamp, "kubelogin's flag": p.kubelogin })) {
                    assert.strictEqual(await fetchWith(issuer.url, bundle), "ok", place);
                }
            } finally {
                await issuer.close();
            }
        });

        it("and nowhere when unset: no CA file, no oidc-ca-file flag, no ConfigMap or env, no kubelogin flag", async () => {
            const p = await placesOf(await runProgram(dev()));
            assert.strictEqual(p.caFile, undefined, "the script makes sure no CA file is left");
            assert.ok(!p.dropInArgs.some((a) => a.startsWith("oidc-ca-file")));
            assert.deepStrictEqual(p.configMaps, []);
            assert.strictEqual(p.headlamp, undefined);
            assert.strictEqual(p.kubelogin, undefined);
        });

        it("structured mode: the CA is the AuthenticationConfiguration's certificateAuthority on every server", async () => {
            const run = await runProgram(stackConfig(PROD, { ...TEST_SECRETS, authentikCaPem: PRIVATE_CA_PEM }), "prod");
            const cmds = run.h.ofType(T.command);
            assert.strictEqual(cmds.length, 3);
            for (const c of cmds) {
                const script = c.inputs.stdin as string;
                const authCfg = fileWrittenBy(script, "authcfg");
                assert.ok(authCfg, `${c.name} installs an AuthenticationConfiguration`);
                const doc = YAML.parse(authCfg) as { jwt: { issuer: { certificateAuthority: string } }[] };
                assert.strictEqual(doc.jwt[0].issuer.certificateAuthority, PRIVATE_CA_PEM, `${c.name}: the issuer's CA`);
                assert.strictEqual(fileWrittenBy(script, "ca_file"), undefined, "no separate CA file in structured mode");
            }
        });

        it("a bad authentikCaPem stops the program before anything is registered, naming the key and never echoing a key", async () => {
            for (const [value, expected] of [
                ["-----BEGIN CERTIFICATE-----\nMIIBnotreal\n-----END CERTIFICATE-----\n", /headlamp-sso:authentikCaPem: certificate 1 of 1 is not a valid X\.509 certificate/],
                [`${PRIVATE_CA_PEM}${KEY_PEM}`, /headlamp-sso:authentikCaPem: contains a private key/],
            ] as const) {
                const h = await MockHarness.install({ config: dev({ authentikCaPem: value }), secretKeys: SECRET_KEYS, stack: "dev" });
                const err = await errorOf(() => loadProgram());
                assert.match(err.message, expected);
                assert.ok(!err.message.includes("MHcCAQEE"));
                await h.settle();
                assert.deepStrictEqual(h.resources, [], "nothing is registered");
            }
        });

        it("authentik:insecure true warns and points at the private-CA setup instead", async () => {
            const run = await runProgram(dev({ "authentik:insecure": "true" }));
            assert.ok(run.warnings.includes(INSECURE_WARNING), run.warnings.join("\n"));
            assert.match(INSECURE_WARNING, /authentikCaPem.*SSL_CERT_FILE/);
            // Provider inputs reach the engine as strings.
            assert.strictEqual(String(run.h.one("pulumi:providers:authentik", "authentik").inputs.insecure), "true", "the setting itself is still passed on");
            const quiet = await runProgram(dev({ "authentik:insecure": "false" }));
            assert.ok(!quiet.warnings.includes(INSECURE_WARNING));
            const saved = process.env.AUTHENTIK_INSECURE;
            process.env.AUTHENTIK_INSECURE = "true";
            try {
                assert.ok((await runProgram(dev())).warnings.includes(INSECURE_WARNING), "AUTHENTIK_INSECURE, which the provider also reads, warns too");
                assert.ok(!(await runProgram(dev({ "authentik:insecure": "false" }))).warnings.includes(INSECURE_WARNING), "the config key wins over the env");
            } finally {
                if (saved === undefined) {
                    delete process.env.AUTHENTIK_INSECURE;
                } else {
                    process.env.AUTHENTIK_INSECURE = saved;
                }
            }
        });
    });
});
