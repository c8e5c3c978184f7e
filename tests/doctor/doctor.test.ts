// `headlamp-sso doctor` end to end, in-process, against real TLS servers on 127.0.0.1: the fake
// Authentik issuer (tests/fake-authentik/issuer.ts), a fake Authentik API read through
// @goauthentik/api, and a fake Headlamp (tests/doctor/fakes.ts). Each broken link is set up one at
// a time and exactly that check must fail, with its fix; the healthy chain must pass.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { renderOidcKubeconfig } from "../../program/kubeconfig";
import { renderDropIn } from "../../components/k3s/render";
import { resolvePlan } from "../../components/k3s/settings";
import { runDoctor } from "../../cli/doctor";
import { FakeAuthentik, FakeAuthentikOptions, TokenSigning } from "../fake-authentik/issuer";
import { Capture, FakeApiOptions, FakeAuthentikApi, FakeHeadlamp, FakeHeadlampOptions, TestPki } from "./fakes";

const alice = { username: "alice", email: "alice@example.com", name: "Alice", groups: ["k8s-admins"] };
const API_TOKEN = "ak-api-token-that-must-never-be-printed";

interface Row {
    check: string;
    status: string;
    detail: string;
    fix: string | null;
}

interface World {
    idp: FakeAuthentik;
    api: FakeAuthentikApi;
    headlamp: FakeHeadlamp;
    dir: string;
    caFile: string;
    tokenFile: string;
    token: string;
}

describe("headlamp-sso doctor against fake Authentik, Authentik API and Headlamp on 127.0.0.1", function () {
    this.timeout(60_000);
    let pki: TestPki;
    const running: World[] = [];

    before(() => {
        pki = new TestPki();
    });
    after(() => pki?.remove());
    afterEach(async () => {
        for (const w of running.splice(0)) {
            await Promise.all([w.idp.stop(), w.api.stop(), w.headlamp.stop()]);
            fs.rmSync(w.dir, { recursive: true, force: true });
        }
    });

    async function world(o: { idp?: FakeAuthentikOptions; api?: Partial<FakeApiOptions>; headlamp?: Partial<FakeHeadlampOptions>; mint?: Parameters<FakeAuthentik["mint"]>[1] } = {}): Promise<World> {
        const idp = await FakeAuthentik.start(o.idp);
        let headlamp: FakeHeadlamp | undefined;
        let api: FakeAuthentikApi | undefined;
        try {
            headlamp = await FakeHeadlamp.start(pki, { issuerUrl: idp.issuerUrl, issuerCaPem: idp.caPem, clientId: idp.clientId, ...o.headlamp });
            api = await FakeAuthentikApi.start(pki, {
                idp,
                token: API_TOKEN,
                user: alice,
                redirectUris: [
                    { matching_mode: "strict", url: `${headlamp.url}oidc-callback` },
                    { matching_mode: "strict", url: "http://localhost:8000" },
                    { matching_mode: "strict", url: "http://localhost:18000" },
                ],
                scopes: o.idp?.scopes,
                emailVerified: o.idp?.emailVerified,
                ...o.api,
            });
        } catch (e) {
            // A half-started world must not keep listening sockets (they would keep mocha alive).
            await Promise.all([idp.stop(), headlamp?.stop()]);
            throw e;
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-"));
        const w = { idp, api, headlamp, dir, caFile: path.join(dir, "ca.pem"), tokenFile: path.join(dir, "token.jwt"), token: "" };
        running.push(w);
        // One file with the private CAs of the issuer and of Headlamp/the API, as a user would pass.
        fs.writeFileSync(w.caFile, `${idp.caPem}${pki.ca.certPem}`);
        w.token = await idp.mint(alice, o.mint);
        fs.writeFileSync(w.tokenFile, `${w.token}\n`);
        return w;
    }

    function flags(w: World): string[] {
        return ["--no-stack", "--issuer", w.idp.issuerUrl, "--client-id", w.idp.clientId, "--headlamp-url", w.headlamp.url, "--authentik-url", w.api.baseUrl, "--ca-file", w.caFile, "--token-file", w.tokenFile];
    }

    async function doctor(argv: string[], opts: { env?: NodeJS.ProcessEnv; tty?: boolean; stdin?: string } = {}): Promise<{ code: number; out: string; err: string }> {
        const cap = new Capture(opts.tty);
        const code = await runDoctor(argv, {
            stdout: cap.stdout,
            stderr: cap.stderr,
            env: opts.env ?? { AUTHENTIK_TOKEN: API_TOKEN, PATH: "" },
            cwd: os.tmpdir(),
            readStdin: () => opts.stdin ?? "",
        });
        return { code, out: cap.out, err: cap.err };
    }

    async function rows(argv: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; rows: Row[]; byCheck: Record<string, Row> }> {
        const r = await doctor([...argv, "--json"], { env });
        const list = JSON.parse(r.out) as Row[];
        return { code: r.code, rows: list, byCheck: Object.fromEntries(list.map((x) => [x.check, x])) };
    }

    const failed = (list: Row[]) => list.filter((r) => r.status === "fail").map((r) => r.check);

    it("a healthy chain: every check with its inputs passes, the API server checks are skipped for want of a kubeconfig, exit 0", async () => {
        const w = await world();
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), [], JSON.stringify(r.rows, null, 1));
        assert.strictEqual(r.code, 0);
        const status = Object.fromEntries(r.rows.map((x) => [x.check, x.status]));
        assert.deepStrictEqual(status, {
            stack: "skip", issuer: "pass", signing: "pass", provider: "pass", "authentik-version": "pass", "redirect-uris": "pass", "scope-mappings": "pass", "grant-types": "pass",
            headlamp: "pass", "headlamp-login": "pass", token: "pass", "token-claims": "pass",
            "server-config": "skip", "server-args": "skip", "server-pending": "skip", apiserver: "skip", "apiserver-auth": "skip", rbac: "skip",
        });
        assert.match(r.byCheck["token-claims"].detail, /email "alice@example.com", email_verified true, groups \["k8s-admins"\]/);
        assert.match(r.byCheck["scope-mappings"].detail, /email_verified true/);
        // The Authentik checks went through the API with the token; Headlamp's login start was read.
        assert.ok(w.api.requests.some((q) => q === `GET /api/v3/providers/oauth2/?client_id=${w.idp.clientId}`), w.api.requests.join("\n"));
        assert.ok(w.api.requests.some((q) => q === "GET /api/v3/providers/oauth2/7/preview_user/"));
        assert.ok(w.headlamp.requests.includes("GET /oidc?cluster=main"));
    });

    it("text output: one ✔/✘/– line per check, the fix under the ✘, and no secret (API token, client secret, the token) anywhere", async () => {
        const w = await world({ idp: { emailVerified: false }, api: { emailVerified: false } });
        const r = await doctor(flags(w));
        assert.strictEqual(r.code, 1);
        const lines = r.out.split("\n");
        assert.match(lines[0], /^– stack\s+skipped: --no-stack/);
        assert.ok(lines.some((l) => /^✔ issuer\s+discovery answers/.test(l)), r.out);
        const i = lines.findIndex((l) => /^✘ scope-mappings\s+ID tokens say email_verified false/.test(l));
        assert.ok(i > 0, r.out);
        assert.match(lines[i + 1], /^\s+fix: Set emailVerified: true/);
        assert.ok(lines.some((l) => /^– token-claims\s+skipped: scope-mappings failed; fix that first\./.test(l)), r.out);
        assert.match(r.out, /First broken link: scope-mappings\. 1 failed/);
        for (const secret of [API_TOKEN, "never-printed-client-secret", w.token, w.token.split(".")[2]]) {
            assert.ok(!r.out.includes(secret) && !r.err.includes(secret), "a secret was printed");
        }
        assert.ok(!r.out.includes("\r"), "no progress line when stdout is not a terminal");
    });

    it("on a terminal each check shows a progress line that its result replaces", async () => {
        const w = await world();
        const r = await doctor(flags(w), { tty: true });
        assert.strictEqual(r.code, 0);
        assert.match(r.out, /… issuer\s+checking\r\x1b\[2K✔ issuer/);
    });

    it("missing trailing slash: only issuer fails, naming the exact issuer to use", async () => {
        const w = await world();
        const f = flags(w);
        f[f.indexOf("--issuer") + 1] = w.idp.issuerUrl.replace(/\/$/, "");
        const r = await rows(f);
        assert.deepStrictEqual(failed(r.rows), ["issuer"]);
        assert.strictEqual(r.code, 1);
        assert.match(r.byCheck.issuer.detail, /differ only in the trailing slash/);
        assert.ok(r.byCheck.issuer.fix!.includes(JSON.stringify(w.idp.issuerUrl)));
        assert.strictEqual(r.byCheck.token.status, "skip");
    });

    it("CA not trusted: without --ca-file only issuer fails, with a TLS cause and the --ca-file fix", async () => {
        const w = await world();
        const f = flags(w);
        f.splice(f.indexOf("--ca-file"), 2);
        const r = await rows(f);
        assert.deepStrictEqual(failed(r.rows), ["issuer"]);
        assert.match(r.byCheck.issuer.detail, /not trusted/);
        assert.match(r.byCheck.issuer.fix!, /--ca-file/);
    });

    it("HS256 (provider without a signing key): only signing fails, with the signing-key fix", async () => {
        const w = await world({ idp: { discovery: { id_token_signing_alg_values_supported: ["HS256"] } }, api: { signingKey: null }, mint: { signing: TokenSigning.Hs256 } });
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["signing"]);
        assert.match(r.byCheck.signing.detail, /\["HS256"\], not RS256/);
        assert.match(r.byCheck.signing.fix!, /signingKeyName/);
        assert.strictEqual(r.byCheck.provider.detail, "signing failed; fix that first.");
    });

    it("a provider without a signing key is named by the provider check when the discovery still says RS256", async () => {
        const w = await world({ api: { signingKey: null } });
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["provider"]);
        assert.match(r.byCheck.provider.detail, /no signing key/);
    });

    it("an HS256 token: only token fails", async () => {
        const w = await world({ mint: { signing: TokenSigning.Hs256 } });
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["token"]);
        assert.match(r.byCheck.token.detail, /"HS256", not RS256/);
    });

    it("email_verified false without an API token: token-claims fails with kube-apiserver's reason", async () => {
        const w = await world({ idp: { emailVerified: false } });
        const r = await rows(flags(w), { PATH: "" });
        assert.deepStrictEqual(failed(r.rows), ["token-claims"]);
        assert.match(r.byCheck["token-claims"].detail, /oidc: email not verified/);
        assert.match(r.byCheck.provider.detail, /no AUTHENTIK_TOKEN/);
    });

    it("email_verified the string \"True\" (a mapping returning \"True\"): scope-mappings fails from the preview, token-claims from the token, each with kube-apiserver's reason and the boolean fix", async () => {
        const stringTrue = 'return {\n    "email": request.user.email,\n    "email_verified": "True"\n}\n';
        const w = await world({ idp: { emailExpression: stringTrue } });
        assert.strictEqual(w.idp.claimsFor(alice).email_verified, "True", "the fake issuer follows the mapping");
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["scope-mappings"]);
        assert.match(r.byCheck["scope-mappings"].detail, /email_verified "True" \(a JSON string, not a boolean\).*cannot unmarshal string into Go value of type bool/);
        assert.match(r.byCheck["scope-mappings"].fix!, /boolean True/);
        const noApi = await rows(flags(w), { PATH: "" });
        assert.deepStrictEqual(failed(noApi.rows), ["token-claims"]);
        assert.match(noApi.byCheck["token-claims"].detail, /oidc: parse 'email_verified' claim: json: cannot unmarshal string into Go value of type bool/);
        assert.match(noApi.byCheck["token-claims"].fix!, /boolean True/);
        // With another username claim kube-apiserver does not read email_verified, nor does the doctor.
        const other = await rows([...flags(w), "--username-claim", "preferred_username"]);
        assert.deepStrictEqual(failed(other.rows), []);
    });

    it("Authentik behind a TLS-terminating proxy it does not trust publishes an http issuer: issuer fails naming X-Forwarded-Proto and AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS", async () => {
        const w = await world({ idp: { seenScheme: "http" } });
        assert.strictEqual(w.idp.publishedIssuer, w.idp.issuerUrl.replace(/^https:/, "http:"));
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["issuer"]);
        assert.match(r.byCheck.issuer.detail, /differ only in the scheme \(http instead of https\)/);
        assert.match(r.byCheck.issuer.detail, /X-Forwarded-Proto/);
        assert.match(r.byCheck.issuer.fix!, /AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS/);
        assert.match(r.byCheck.issuer.fix!, /X-Forwarded-Proto: https/);
    });

    it("a JWKS over plain http or from another origin is not fetched: signing fails saying so (a key from there would verify the token)", async () => {
        const jwksServed: string[] = [];
        const ref: { idp?: FakeAuthentik } = {};
        const plain = http.createServer((req, res) => {
            jwksServed.push(`http ${req.url}`);
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(ref.idp!.jwks()));
        });
        const other = https.createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, (req, res) => {
            jwksServed.push(`https ${req.url}`);
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(ref.idp!.jwks()));
        });
        const port = (srv: http.Server) => new Promise<number>((resolve) => srv.listen(0, "127.0.0.1", () => resolve((srv.address() as net.AddressInfo).port)));
        const [plainPort, otherPort] = [await port(plain), await port(other)];
        try {
            for (const [jwksUri, reason] of [[`http://127.0.0.1:${plainPort}/jwks`, /is not https/], [`https://127.0.0.1:${otherPort}/application/o/headlamp/jwks/`, /not on the issuer's origin https:\/\/127\.0\.0\.1:\d+/]] as const) {
                const w = await world({ idp: { discovery: { jwks_uri: jwksUri } } });
                ref.idp = w.idp;
                const r = await rows(flags(w));
                assert.deepStrictEqual(failed(r.rows), ["signing"], jwksUri);
                assert.match(r.byCheck.signing.detail, reason);
                assert.strictEqual(r.byCheck.token.status, "skip");
            }
            assert.deepStrictEqual(jwksServed, [], "the doctor fetched a JWKS it must not trust");
        } finally {
            await Promise.all([plain, other].map((srv) => new Promise<void>((resolve) => { srv.close(() => resolve()); srv.closeAllConnections(); })));
        }
    });

    it("users may change their email while the email is the username: scope-mappings fails with the setting and the fix; unreadable settings are said, not guessed", async () => {
        const w = await world({ api: { userChangeEmail: true } });
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["scope-mappings"]);
        assert.match(r.byCheck["scope-mappings"].detail, /default_user_change_email true/);
        assert.match(r.byCheck["scope-mappings"].fix!, /Allow users to change email/);
        assert.match(r.byCheck["scope-mappings"].fix!, /accessGroups/);
        assert.ok(w.api.requests.includes("GET /api/v3/admin/settings/"), w.api.requests.join("\n"));
        // Another username claim: the email is not the identity, the setting does not matter here.
        const other = await rows([...flags(w), "--username-claim", "preferred_username"]);
        assert.deepStrictEqual(failed(other.rows), []);
        const off = await rows(flags(await world()));
        assert.match(off.byCheck["scope-mappings"].detail, /users may not change their email/);
        const forbidden = await rows(flags(await world({ api: { userChangeEmail: true, settingsForbidden: true } })));
        assert.deepStrictEqual(failed(forbidden.rows), []);
        assert.match(forbidden.byCheck["scope-mappings"].detail, /system settings could not be read \(HTTP 403/);
    });

    it("wrong redirect: Headlamp behind a proxy that does not forward https sends an http redirect_uri; only headlamp-login fails", async () => {
        const w = await world({ headlamp: { callback: "from-request" } });
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["headlamp-login"]);
        assert.match(r.byCheck["headlamp-login"].detail, /redirect_uri "http:\/\/127\.0\.0\.1:\d+\/oidc-callback", which the provider does not allow/);
        assert.match(r.byCheck["headlamp-login"].fix!, /X-Forwarded-Proto/);
    });

    it("wrong redirect: a provider without Headlamp's callback fails redirect-uris, and headlamp-login waits for it", async () => {
        const w = await world({ api: { redirectUris: [{ matching_mode: "strict", url: "https://elsewhere.example.com/oidc-callback" }, { matching_mode: "strict", url: "http://localhost:8000" }] } });
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["redirect-uris"]);
        assert.ok(r.byCheck["redirect-uris"].detail.includes(`${w.headlamp.url}oidc-callback`));
        assert.strictEqual(r.byCheck["headlamp-login"].status, "skip");
    });

    it("an expired token and a token for another client each fail only the token check", async () => {
        const expired = await world({ mint: { expiresInSeconds: -120 } });
        const r1 = await rows(flags(expired));
        assert.deepStrictEqual(failed(r1.rows), ["token"]);
        assert.match(r1.byCheck.token.detail, /expired/);
        const other = await world({ mint: { audience: "another-client" } });
        const r2 = await rows(flags(other));
        assert.deepStrictEqual(failed(r2.rows), ["token"]);
        assert.match(r2.byCheck.token.detail, /aud is "another-client"/);
    });

    it("a token from a key the JWKS does not publish fails the token check", async () => {
        const w = await world({ mint: { signing: TokenSigning.Unpublished } });
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["token"]);
        assert.match(r.byCheck.token.detail, /no key in the issuer's JWKS/);
    });

    it("an API token that may not preview tokens: scope-mappings judges from the attached mappings", async () => {
        const good = await rows(flags(await world({ api: { previewForbidden: true } })));
        assert.deepStrictEqual(failed(good.rows), []);
        assert.match(good.byCheck["scope-mappings"].detail, /claims themselves were not seen/);
        const bad = await rows(flags(await world({ idp: { emailVerified: false }, api: { emailVerified: false, previewForbidden: true } })));
        assert.deepStrictEqual(failed(bad.rows), ["scope-mappings"]);
        assert.match(bad.byCheck["scope-mappings"].detail, /managed mapping "goauthentik.io\/providers\/oauth2\/scope-email"/);
    });

    it("a refused API token fails the provider check with the token fix", async () => {
        const w = await world();
        const r = await rows(flags(w), { AUTHENTIK_TOKEN: "wrong", PATH: "" });
        assert.deepStrictEqual(failed(r.rows), ["provider"]);
        assert.match(r.byCheck.provider.detail, /refused AUTHENTIK_TOKEN \(HTTP 403\)/);
    });

    it("reads Authentik's release from /api/v3/admin/version/ and says whether it restricts grant types (2025.12.4, as recorded: no)", async () => {
        const w = await world();
        const r = await rows(flags(w));
        assert.ok(w.api.requests.includes("GET /api/v3/admin/version/"), w.api.requests.join("\n"));
        assert.strictEqual(r.byCheck["authentik-version"].status, "pass");
        assert.match(r.byCheck["authentik-version"].detail, /^Authentik 2025\.12\.4 \(supported: 2025\.10 to 2026\.8\); it does not restrict grant types\. Set the stack's authentikVersion to 2025\.12\.4/);
        assert.match(r.byCheck["grant-types"].detail, /^Authentik 2025\.12\.4 does not restrict grant types/);
    });

    it("2026.5 with grant types; a stack configured for another release's fields fails with the config fix", async () => {
        const w = await world({ api: { version: "2026.5.6", grantTypes: ["authorization_code", "refresh_token"] } });
        const r = await rows([...flags(w), "--authentik-version", "2026.5"]);
        assert.deepStrictEqual(failed(r.rows), []);
        assert.match(r.byCheck["grant-types"].detail, /^Authentik 2026\.5\.6 restricts grant types; the provider allows \["authorization_code","refresh_token"\]/);
        const drift = await rows([...flags(await world()), "--authentik-version", "2026.5"]);
        assert.deepStrictEqual(failed(drift.rows), ["authentik-version"]);
        assert.match(drift.byCheck["authentik-version"].detail, /Authentik 2025\.12\.4 runs, but --authentik-version says 2026\.5: grant_types is sent and dropped/);
        assert.match(drift.byCheck["authentik-version"].fix!, /Give --authentik-version 2025\.12\.4, and set the stack's authentikVersion to it too \(pulumi config set authentikVersion 2025\.12\.4 and run pulumi up\)/);
    });

    it("a release outside the supported range fails, and the provider checks still run", async () => {
        const w = await world({ api: { version: "2025.8.3" } });
        const r = await rows(flags(w));
        assert.deepStrictEqual(failed(r.rows), ["authentik-version"]);
        assert.match(r.byCheck["authentik-version"].fix!, /Upgrade Authentik to 2025\.10 or newer/);
        assert.strictEqual(r.byCheck["redirect-uris"].status, "pass");
    });

    it("refuses a malformed --authentik-version as bad usage", async () => {
        const w = await world();
        const r = await doctor([...flags(w), "--authentik-version", "latest"]);
        assert.strictEqual(r.code, 2);
        assert.match(r.err, /--authentik-version "latest" is not an Authentik release; give it as YYYY\.M or YYYY\.M\.P/);
    });

    it("never sends the API token in clear text: an http Authentik URL skips the provider check and asks for https", async () => {
        const w = await world();
        const argv = flags(w).map((a) => (a === w.api.baseUrl ? a.replace(/^https:/, "http:") : a));
        const r = await rows(argv);
        assert.strictEqual(r.byCheck.provider.status, "skip");
        assert.match(r.byCheck.provider.detail, /is not https, and the API token is never sent in clear text/);
        assert.strictEqual(r.byCheck["authentik-version"].status, "skip");
        assert.deepStrictEqual(w.api.requests, [], "no request reached the Authentik API");
    });

    it("reads the token from stdin with --token-file -", async () => {
        const w = await world();
        const f = flags(w);
        f[f.indexOf("--token-file") + 1] = "-";
        const r = await doctor([...f, "--json"], { stdin: `${w.token}\n` });
        assert.strictEqual(r.code, 0, r.out);
        assert.strictEqual((JSON.parse(r.out) as Row[]).find((x) => x.check === "token")!.status, "pass");
    });

    it("bad usage exits 2 with a message naming the flag", async () => {
        const cases: [string[], RegExp][] = [
            [["--bogus"], /unknown argument "--bogus"/],
            [["--issuer", "auth.example.com"], /--issuer "auth\.example\.com" is not an http\(s\) URL/],
            [["--issuer"], /--issuer needs a value/],
            [["--token-file", "/nonexistent/token"], /--token-file "\/nonexistent\/token" cannot be read: ENOENT/],
            [["--stack", "dev"], /--stack needs the Pulumi CLI on PATH/],
            [["--json=yes"], /--json takes no value/],
        ];
        for (const [argv, message] of cases) {
            const r = await doctor(argv, { env: { PATH: "" } });
            assert.strictEqual(r.code, 2, argv.join(" "));
            assert.match(r.err, message);
            assert.match(r.err, /Usage: headlamp-sso doctor/);
        }
    });

    it("takes what the flags leave open from `pulumi stack output --json --show-secrets` and never prints the kubeconfig's secret", async () => {
        const w = await world();
        const bin = path.join(w.dir, "pulumi-bin");
        fs.mkdirSync(bin);
        // The drop-in K3sOidcApiServer renders, with a username claim other than the default: the doctor must use it.
        const dropIn = renderDropIn(resolvePlan({ name: "oidc-dev", owner: "urn:test", issuerUrl: w.idp.issuerUrl, clientId: w.idp.clientId, usernameClaim: "preferred_username" }));
        const kubeconfig = renderOidcKubeconfig({ name: "headlamp-sso-dev", server: "https://127.0.0.1:1", caPem: pki.ca.certPem, issuerUrl: w.idp.issuerUrl, clientId: w.idp.clientId, clientSecret: "kubeconfig-client-secret-never-printed", extraScopes: ["email"] });
        const outputs = { headlampUrl: w.headlamp.url, issuerUrl: w.idp.issuerUrl, clientId: w.idp.clientId, kubeconfig, apiServerDropIn: dropIn };
        fs.writeFileSync(path.join(w.dir, "outputs.json"), JSON.stringify(outputs));
        // A stand-in for the Pulumi CLI: records its arguments and prints the outputs as `pulumi stack output --json` does.
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$@" > "${w.dir}/pulumi-args"\ncat "${w.dir}/outputs.json"\n`, { mode: 0o755 });
        const r = await doctor(["--stack", "dev", "--authentik-url", w.api.baseUrl, "--ca-file", w.caFile, "--token-file", w.tokenFile, "--json"], { env: { PATH: `${bin}:/usr/bin:/bin`, AUTHENTIK_TOKEN: API_TOKEN } });
        assert.strictEqual(fs.readFileSync(path.join(w.dir, "pulumi-args"), "utf8").trim(), "stack output --json --show-secrets --non-interactive --stack dev");
        const list = JSON.parse(r.out) as Row[];
        const by = Object.fromEntries(list.map((x) => [x.check, x]));
        assert.match(by.stack.detail, /read issuerUrl, clientId, headlampUrl, kubeconfig, apiServerDropIn from stack "dev"/);
        for (const c of ["issuer", "signing", "provider", "redirect-uris", "scope-mappings", "headlamp", "headlamp-login", "token", "token-claims"]) {
            assert.strictEqual(by[c].status, "pass", `${c}: ${by[c].detail}`);
        }
        assert.match(by["token-claims"].detail, /^preferred_username "alice", groups \["k8s-admins"\]/);
        // The kubeconfig output gives the API server's URL (here nothing listens there).
        assert.strictEqual(by.apiserver.status, "fail");
        assert.match(by.apiserver.detail, /127\.0\.0\.1:1 is not reachable/);
        assert.ok(!r.out.includes("kubeconfig-client-secret-never-printed") && !r.err.includes("kubeconfig-client-secret-never-printed"));
        // A stack without authentikVersion sends 2026.5's fields, which this 2025.12.4 drops.
        assert.strictEqual(by["authentik-version"].status, "fail");
        assert.match(by["authentik-version"].detail, /Authentik 2025\.12\.4 runs, and the stack has no authentikVersion, so the component assumes 2026\.5: grant_types is sent and dropped/);
        fs.writeFileSync(path.join(w.dir, "outputs.json"), JSON.stringify({ ...outputs, authentikVersion: "2025.12" }));
        const set = JSON.parse((await doctor(["--stack", "dev", "--authentik-url", w.api.baseUrl, "--ca-file", w.caFile, "--token-file", w.tokenFile, "--json"], { env: { PATH: `${bin}:/usr/bin:/bin`, AUTHENTIK_TOKEN: API_TOKEN } })).out) as Row[];
        const version = set.find((x) => x.check === "authentik-version")!;
        assert.strictEqual(version.status, "pass", version.detail);
        assert.match(version.detail, /the stack's authentikVersion says 2025\.12, which sends the fields it stores/);
    });
});
