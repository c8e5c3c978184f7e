// The fake Authentik issuer itself: served over TLS that only its CA vouches for, discovery and
// JWKS where Authentik serves them, tokens that verify against the published key, claims from
// AuthentikOidcApp's own scope-mapping choice, and each broken-token knob doing what it says.
import * as assert from "assert";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import * as jose from "jose";
import { EMAIL_VERIFIED_EXPRESSION } from "../../components/authentik/settings";
import { HEADLAMP_DEFAULTS } from "../../components/headlamp/settings";
import { FakeAuthentik, evaluateMapping, validitySeconds } from "./issuer";

/** What a real Authentik 2025.12.4 served (tests/fixtures/authentik-2025.12.4/oidc/). */
const recorded = (file: string): any => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "authentik-2025.12.4", "oidc", file), "utf8"));
/** Each key with its JSON type. */
const shape = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? "null" : Array.isArray(v) ? "array" : typeof v]));

const alice = { username: "alice", email: "alice@example.com", name: "Alice A", groups: ["headlamp-admins", "staff"] };

function getJson(url: string, ca?: string): Promise<any> {
    return new Promise((resolve, reject) => {
        https.get(url, { ca }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
        }).on("error", reject);
    });
}

describe("fake Authentik issuer", function () {
    this.timeout(30000);
    let idp: FakeAuthentik;
    let keys: jose.JWTVerifyGetKey;

    before(async () => {
        idp = await FakeAuthentik.start();
        keys = jose.createLocalJWKSet(await getJson(`${idp.issuerUrl}jwks/`, idp.caPem));
    });
    after(async () => idp?.stop());

    it("answers like the recorded Authentik 2025.12.4: the discovery document's keys and types, the tokens' header and claims", async () => {
        const doc = await getJson(`${idp.issuerUrl}.well-known/openid-configuration`, idp.caPem);
        assert.deepStrictEqual(shape(doc), shape(recorded("openid-configuration.json").body));
        const real = recorded("openid-configuration.json").body;
        for (const key of Object.keys(real).filter((k) => !k.endsWith("endpoint") && !["issuer", "jwks_uri", "scopes_supported"].includes(k))) {
            assert.deepStrictEqual(doc[key], real[key], key);
        }
        for (const [file, kind] of [["id_token-authorization_code.json", "id"], ["access_token-authorization_code.json", "access"]] as const) {
            const jwt = await idp.mint(alice, { kind });
            const { payload, protectedHeader } = await jose.jwtVerify(jwt, keys, { issuer: idp.issuerUrl });
            const want = recorded(file);
            assert.deepStrictEqual(Object.keys(protectedHeader).sort(), Object.keys(want.header).sort(), `${file} header`);
            // Every claim but the nonce (only when the client sent one; mint has none).
            const claims = Object.fromEntries(Object.entries(want.claims as Record<string, unknown>).filter(([k]) => k !== "nonce"));
            assert.deepStrictEqual(shape(payload as Record<string, unknown>), shape(claims), file);
            assert.deepStrictEqual(Object.keys(payload), Object.keys(claims), `${file}: claims in Authentik's order`);
            assert.deepStrictEqual(payload.amr, ["pwd"]);
            assert.match(String(payload.sid), /^[0-9a-f]{64}$/);
        }
        const access = jose.decodeJwt(await idp.mint(alice, { kind: "access" }));
        assert.strictEqual(access.scope, ["openid", ...HEADLAMP_DEFAULTS.scopes].join(" "), "the granted scopes, space-separated");
    });

    it("serves discovery under /application/o/<slug>/ with the trailing-slash issuer, over TLS trusted only via its CA", async () => {
        assert.match(idp.issuerUrl, /^https:\/\/127\.0\.0\.1:\d+\/application\/o\/headlamp\/$/);
        assert.strictEqual(idp.clientId, "headlamp");
        const doc = await getJson(`${idp.issuerUrl}.well-known/openid-configuration`, idp.caPem);
        assert.strictEqual(doc.issuer, idp.issuerUrl);
        assert.strictEqual(doc.jwks_uri, `${idp.issuerUrl}jwks/`);
        assert.deepStrictEqual(doc.id_token_signing_alg_values_supported, ["RS256"]);
        await assert.rejects(getJson(`${idp.issuerUrl}.well-known/openid-configuration`), /self-signed|unable to verify|certificate/i);
        assert.ok(idp.requests.includes("/application/o/headlamp/.well-known/openid-configuration"));
    });

    it("mints RS256 ID tokens shaped like Authentik's, verified by the published key", async () => {
        const token = await idp.mint(alice);
        const { payload, protectedHeader } = await jose.jwtVerify(token, keys, { issuer: idp.issuerUrl, audience: idp.clientId, algorithms: ["RS256"] });
        assert.deepStrictEqual(protectedHeader, { alg: "RS256", typ: "JWT", kid: idp.kid });
        assert.strictEqual(payload.aud, "headlamp");
        assert.strictEqual(payload.email, "alice@example.com");
        // The custom email mapping (EMAIL_VERIFIED_EXPRESSION) says True.
        assert.strictEqual(payload.email_verified, true);
        assert.strictEqual(payload.preferred_username, "alice");
        assert.strictEqual(payload.name, "Alice A");
        assert.deepStrictEqual(payload.groups, ["headlamp-admins", "staff"]);
        assert.strictEqual(payload.azp, undefined, "Authentik's ID token has no azp");
        assert.match(String(payload.sub), /^[0-9a-f]{64}$/);
        assert.strictEqual(payload.exp! - payload.iat!, 30 * 60, "exp follows the default access token validity (minutes=30)");
        assert.strictEqual(payload.auth_time, payload.iat);
    });

    it("access tokens add azp = client id, a uid (40 letters and digits, as a real Authentik's) and the scope", async () => {
        const { payload } = await jose.jwtVerify(await idp.mint(alice, { kind: "access" }), keys, { audience: idp.clientId });
        assert.strictEqual(payload.azp, "headlamp");
        assert.match(String(payload.uid), /^[A-Za-z0-9]{40}$/);
    });

    it("maps only the scopes the client asked for", () => {
        const claims = idp.claimsFor(alice, { scopes: ["openid", "email"] });
        assert.strictEqual(claims.email, "alice@example.com");
        assert.strictEqual(claims.groups, undefined);
    });

    it("has knobs for each broken token", async () => {
        const verify = (t: string) => jose.jwtVerify(t, keys, { issuer: idp.issuerUrl, audience: idp.clientId, algorithms: ["RS256"] });
        await assert.rejects(verify(await idp.mint(alice, { audience: "someone-else" })), /aud/);
        await assert.rejects(verify(await idp.mint(alice, { issuer: idp.issuerUrl.replace(/\/$/, "") })), /iss/);
        await assert.rejects(verify(await idp.mint(alice, { expiresInSeconds: -60 })), /exp/);
        await assert.rejects(verify(await idp.mint(alice, { signing: "unpublished" })), /no applicable key|matching/i);
        const hs = await idp.mint(alice, { signing: "hs256" });
        assert.strictEqual(jose.decodeProtectedHeader(hs).alg, "HS256");
        await assert.rejects(verify(hs), /alg/);
        assert.strictEqual(jose.decodeJwt(await idp.mint(alice, { claims: { email_verified: false } })).email_verified, false);
    });

    it("without the custom mapping (emailVerified false) uses Authentik's managed one: email_verified false", async () => {
        const plain = await FakeAuthentik.start({ emailVerified: false, clientId: "other" });
        try {
            assert.strictEqual(plain.claimsFor(alice).email_verified, false);
            assert.strictEqual(plain.clientId, "other");
        } finally {
            await plain.stop();
        }
    });

    it("evaluates the mapping expression it is given, so a broken EMAIL_VERIFIED_EXPRESSION shows in the tokens", () => {
        assert.deepStrictEqual(evaluateMapping(EMAIL_VERIFIED_EXPRESSION, alice), { email: "alice@example.com", email_verified: true });
        assert.deepStrictEqual(evaluateMapping(EMAIL_VERIFIED_EXPRESSION.replace("True", "False"), alice), { email: "alice@example.com", email_verified: false });
        assert.deepStrictEqual(evaluateMapping('return {"email": request.user.email, "x": "y"}', alice), { email: "alice@example.com", x: "y" });
        assert.throws(() => evaluateMapping('return {"email": request.user.mail}', alice), /cannot evaluate request\.user\.mail/);
        assert.throws(() => evaluateMapping("x = 1", alice), /expected "return \{\.\.\.\}"/);
        assert.strictEqual(validitySeconds("hours=1;minutes=30"), 5400);
        assert.throws(() => validitySeconds("1h"), /not an Authentik duration/);
    });
});
