// The fake Authentik issuer itself: served over TLS that only its CA vouches for, discovery and
// JWKS where Authentik serves them, tokens that verify against the published key, claims from
// AuthentikOidcApp's own scope-mapping choice, and each broken-token knob doing what it says.
import * as assert from "assert";
import * as https from "https";
import * as jose from "jose";
import { EMAIL_VERIFIED_EXPRESSION } from "../../components/authentik/settings";
import { FakeAuthentik, evaluateMapping, validitySeconds } from "./issuer";

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

    it("access tokens add azp = client id and a uid", async () => {
        const { payload } = await jose.jwtVerify(await idp.mint(alice, { kind: "access" }), keys, { audience: idp.clientId });
        assert.strictEqual(payload.azp, "headlamp");
        assert.match(String(payload.uid), /^[0-9a-f]{60}$/);
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
