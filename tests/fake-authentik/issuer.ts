// A fake Authentik OAuth2/OpenID provider for tests: the issuer side of one application, served on
// https://127.0.0.1:<port> with a CA of its own, minting ID tokens shaped like Authentik's.
//
//   const idp = await FakeAuthentik.start();          // slug "headlamp", client id = slug
//   idp.issuerUrl   // https://127.0.0.1:<port>/application/o/headlamp/  (trailing slash)
//   idp.caPem       // the CA that signed the TLS certificate (what issuerCaPem takes)
//   idp.clientId
//   await idp.mint({ username: "alice", email: "alice@example.com", groups: ["admins"] });
//   await idp.mint(user, { audience: "other" });      // ...and the other broken variants below
//   await idp.stop();
//
// Served (what kube-apiserver and `headlamp-sso doctor` read):
//   GET /application/o/<slug>/.well-known/openid-configuration   discovery (Authentik's fields)
//   GET /application/o/<slug>/jwks/                              the published signing key
// Every request path is recorded in `requests`. The discovery document has the keys and values a
// real Authentik 2025.12.4 served, and the tokens its header and claims, in its order
// (tests/fixtures/authentik-2025.12.4/oidc/, held by issuer.test.ts); the JWKS key lacks the real
// one's x5c/x5t (its certificate), which nothing here reads.
//
// What makes the tokens Authentik-shaped, from Authentik's own source:
//   - authentik/providers/oauth2/id_token.py (IDToken.new, to_dict, to_access_token): claims
//     iss (per-provider issuer: <base>/application/o/<slug>/), sub (default sub mode: the user's
//     hashed id), aud = client id (a string), exp = now + access token validity, iat, auth_time,
//     acr "goauthentik.io/providers/oauth2/default", then the scope mappings' claims; the access
//     token adds azp = client id and a random uid;
//   - authentik/providers/oauth2/models.py (OAuth2Provider.encode, jwt_key): RS256 with the
//     signing key's kid in the header, or HS256 with the client secret when the provider has no
//     signing key (which kube-apiserver rejects);
//   - blueprints/system/providers-oauth2.yaml: the managed scope mappings' expressions (since
//     2025.10 the managed email mapping says email_verified False).
// The scope mappings are chosen exactly as AuthentikOidcApp chooses them (planScopes from
// components/authentik/settings.ts, with the same defaults) and the custom email mapping is
// AuthentikOidcApp's own EMAIL_VERIFIED_EXPRESSION, evaluated here: if that expression changes
// (say to `"email_verified": False`), the tokens change with it.
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as jose from "jose";
import {
    AUTHENTIK_DEFAULTS,
    EMAIL_VERIFIED_EXPRESSION,
    MANAGED_SCOPES,
    issuerUrlFor,
    planScopes,
} from "../../components/authentik/settings";
import { HEADLAMP_DEFAULTS } from "../../components/headlamp/settings";
import { issueCert, makeCa } from "../pki";

/**
 * Expressions of Authentik's managed scope mappings (authentik 2025.10+,
 * blueprints/system/providers-oauth2.yaml), by managed name.
 */
export const MANAGED_EXPRESSIONS: Readonly<Record<string, string>> = {
    [MANAGED_SCOPES.openid]: "return {}\n",
    [MANAGED_SCOPES.email]: 'return {\n    "email": request.user.email,\n    "email_verified": False\n}\n',
    [MANAGED_SCOPES.profile]: [
        "return {",
        '    "name": request.user.name,',
        '    "given_name": request.user.name,',
        '    "preferred_username": request.user.username,',
        '    "nickname": request.user.username,',
        '    "groups": [group.name for group in request.user.ak_groups.all()],',
        "}",
        "",
    ].join("\n"),
    [MANAGED_SCOPES.offline_access]: "return {}\n",
};

/** Authentik's default `acr` (authentik/providers/oauth2/constants.py ACR_AUTHENTIK_DEFAULT). */
export const ACR_AUTHENTIK_DEFAULT = "goauthentik.io/providers/oauth2/default";

/** An Authentik user as the scope mappings see it (`request.user`). */
export interface FakeUser {
    /** `request.user.username` (preferred_username, nickname). */
    username: string;
    /** `request.user.email`. */
    email: string;
    /** `request.user.name`; default: the username. */
    name?: string;
    /** Names of the user's Authentik groups (`request.user.ak_groups`). */
    groups?: string[];
}

/** How a token is signed. */
export const TokenSigning = {
    /** RS256 with the key published in the JWKS (what a provider with a signing key does). */
    Published: "published",
    /** RS256 with a key the JWKS does not publish (a rotated-away or foreign key). */
    Unpublished: "unpublished",
    /** HS256 with the client secret (what Authentik does when the provider has no signing key). */
    Hs256: "hs256",
} as const;
export type TokenSigning = (typeof TokenSigning)[keyof typeof TokenSigning];

/** Which token Authentik's token endpoint returns. */
export const TokenKind = {
    /** The ID token (what Headlamp sends to the API server). */
    Id: "id",
    /** The JWT access token: the ID token's claims plus `azp` and `uid`. */
    Access: "access",
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/** Knobs of one token; the defaults give a token Authentik would issue to Headlamp. */
export interface MintOptions {
    /** Scopes the client asked for. Default: `openid` plus HeadlampRelease's default scopes. */
    scopes?: string[];
    /** ID or access token. Default: `id`. */
    kind?: TokenKind;
    /** Signing. Default: `published` (RS256, key in the JWKS). */
    signing?: TokenSigning;
    /** `aud`. Default: the client id. */
    audience?: string;
    /** `iss`. Default: the issuer URL (with its trailing slash). */
    issuer?: string;
    /** Seconds from now to `exp`; negative for an expired token. Default: the provider's access token validity. */
    expiresInSeconds?: number;
    /** Claims set last, over the mapped ones (`undefined` removes a claim). */
    claims?: Record<string, unknown>;
}

/** The Authentik side as AuthentikOidcApp configures it; every field defaults like the component. */
export interface FakeAuthentikOptions {
    /** Application slug. Default: "headlamp". */
    slug?: string;
    /** OAuth2 client id. Default: the slug (as AuthentikOidcApp). */
    clientId?: string;
    /** Client secret (the HS256 key). Default: random. */
    clientSecret?: string;
    /** AuthentikOidcApp's `scopes`. Default: AUTHENTIK_DEFAULTS.scopes. */
    scopes?: string[];
    /** AuthentikOidcApp's `emailVerified`. Default: AUTHENTIK_DEFAULTS.emailVerified. */
    emailVerified?: boolean;
    /** The custom email mapping's expression. Default: EMAIL_VERIFIED_EXPRESSION (a test may break it). */
    emailExpression?: string;
    /** Authentik duration of tokens, e.g. "minutes=30". Default: AUTHENTIK_DEFAULTS.accessTokenValidity. */
    accessTokenValidity?: string;
    /** Fields replaced in the discovery document (e.g. a wrong `issuer`). */
    discovery?: Record<string, unknown>;
    /**
     * The scheme Authentik sees, when it differs from the one users reach it at: "http" for
     * Authentik behind a TLS-terminating proxy whose X-Forwarded-Proto it does not get or trust
     * (since 2026.8 only from AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS). Authentik builds its issuer
     * and endpoint URLs from the request (Django's request.build_absolute_uri in
     * authentik/providers/oauth2/models.py get_issuer and views/provider.py), so the discovery
     * document and the tokens' `iss` then say http://. Default: https, as served.
     */
    seenScheme?: string;
    /** Where the CA and TLS files go; default a temp dir, removed by stop(). */
    dir?: string;
}

/** Seconds of an Authentik duration such as `hours=1;minutes=30`. */
export function validitySeconds(validity: string): number {
    const unit: Record<string, number> = { weeks: 604800, days: 86400, hours: 3600, minutes: 60, seconds: 1, milliseconds: 0.001, microseconds: 0.000001 };
    let total = 0;
    for (const part of validity.split(";")) {
        const m = /^(\w+)=(\d+(?:\.\d+)?)$/.exec(part.trim());
        if (!m || !(m[1] in unit)) {
            throw new Error(`fake Authentik: ${JSON.stringify(validity)} is not an Authentik duration`);
        }
        total += Number(m[2]) * unit[m[1]];
    }
    return Math.floor(total);
}

/**
 * Evaluates a scope mapping expression of the shape Authentik's mappings use (`return {...}`
 * whose values are `request.user.<field>`, the group-name comprehension, True/False or a string
 * literal). Anything else throws, so a mapping the fake does not understand is never guessed.
 */
export function evaluateMapping(expression: string, user: FakeUser): Record<string, unknown> {
    const code = expression.split("\n").map((l) => l.replace(/#.*$/, "")).join("\n").trim();
    const m = /^return\s*\{([\s\S]*)\}$/.exec(code);
    if (!m) {
        throw new Error(`fake Authentik cannot evaluate the scope mapping ${JSON.stringify(expression)}: expected "return {...}"`);
    }
    const out: Record<string, unknown> = {};
    const entry = /"([^"\\]+)"\s*:\s*(\[[^\]]*\]|"[^"\\]*"|[^,\s}]+)\s*(?:,|$)/g;
    let rest = m[1];
    for (const e of m[1].matchAll(entry)) {
        const [, key, raw] = e;
        rest = rest.replace(e[0], "");
        const value = raw.trim();
        if (value === "True" || value === "False") {
            out[key] = value === "True";
        } else if (value === "request.user.email") {
            out[key] = user.email;
        } else if (value === "request.user.name") {
            out[key] = user.name ?? user.username;
        } else if (value === "request.user.username") {
            out[key] = user.username;
        } else if (/^\[\s*group\.name\s+for\s+group\s+in\s+request\.user\.ak_groups\.all\(\)\s*\]$/.test(value)) {
            out[key] = [...(user.groups ?? [])];
        } else if (/^"[^"\\]*"$/.test(value)) {
            out[key] = value.slice(1, -1);
        } else {
            throw new Error(`fake Authentik cannot evaluate ${value} (claim ${JSON.stringify(key)}) in the scope mapping ${JSON.stringify(expression)}`);
        }
    }
    if (rest.trim() !== "") {
        throw new Error(`fake Authentik cannot evaluate ${JSON.stringify(rest.trim())} in the scope mapping ${JSON.stringify(expression)}`);
    }
    return out;
}

/** A running fake Authentik application. Create with `await FakeAuthentik.start()`, end with `stop()`. */
interface SigningKeys { published: jose.GenerateKeyPairResult; unpublished: jose.GenerateKeyPairResult }

/** Key pairs of issuers that stopped, for the next one to take (RSA key generation is most of a start). */
const freeKeys: SigningKeys[] = [];

/**
 * The issuer's signing key and a key it does not publish: a stopped issuer's, else new ones. Two
 * issuers running at once never share keys (a token one of them signed must not verify with the
 * other's JWKS); one after the other they may.
 */
async function signingKeys(): Promise<SigningKeys> {
    return freeKeys.pop() ?? {
        published: await jose.generateKeyPair("RS256", { extractable: true }),
        unpublished: await jose.generateKeyPair("RS256", { extractable: true }),
    };
}

export class FakeAuthentik {
    /** `https://127.0.0.1:<port>/application/o/<slug>/`, with the trailing slash Authentik gives it. */
    readonly issuerUrl: string;
    /** The CA certificate (PEM) that signed the server's TLS certificate. */
    readonly caPem: string;
    /** Path of the CA certificate file. */
    readonly caFile: string;
    readonly slug: string;
    readonly clientId: string;
    /** `https://127.0.0.1:<port>` (Authentik's base URL). */
    readonly baseUrl: string;
    /** The `kid` of the published signing key. */
    readonly kid: string;
    /** Paths requested so far, in order. */
    readonly requests: string[] = [];

    private constructor(
        private readonly server: https.Server,
        private readonly opts: Required<Omit<FakeAuthentikOptions, "discovery" | "dir" | "seenScheme">> & Pick<FakeAuthentikOptions, "discovery" | "seenScheme">,
        private readonly keys: { published: jose.CryptoKey; unpublished: jose.CryptoKey; jwk: jose.JWK; unpublishedKid: string },
        private readonly dir: string,
        private readonly ownsDir: boolean,
        caPem: string,
        caFile: string,
        port: number,
        /** Given back to the pool at stop(). */
        private readonly signing: SigningKeys,
    ) {
        this.slug = opts.slug;
        this.clientId = opts.clientId;
        this.baseUrl = `https://127.0.0.1:${port}`;
        this.issuerUrl = issuerUrlFor(this.baseUrl, opts.slug);
        this.caPem = caPem;
        this.caFile = caFile;
        this.kid = keys.jwk.kid!;
    }

    /** Starts the issuer on a free port of 127.0.0.1. */
    static async start(options: FakeAuthentikOptions = {}): Promise<FakeAuthentik> {
        const slug = options.slug ?? "headlamp";
        const opts = {
            slug,
            clientId: options.clientId ?? slug,
            clientSecret: options.clientSecret ?? randomBytes(48).toString("base64url"),
            scopes: options.scopes ?? [...AUTHENTIK_DEFAULTS.scopes],
            emailVerified: options.emailVerified ?? AUTHENTIK_DEFAULTS.emailVerified,
            emailExpression: options.emailExpression ?? EMAIL_VERIFIED_EXPRESSION,
            accessTokenValidity: options.accessTokenValidity ?? AUTHENTIK_DEFAULTS.accessTokenValidity,
            discovery: options.discovery,
            seenScheme: options.seenScheme,
        };
        validitySeconds(opts.accessTokenValidity);
        const ownsDir = options.dir === undefined;
        const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "fake-authentik-"));
        let signing: SigningKeys | undefined;
        try {
            const ca = makeCa(dir, "fake-authentik");
            const tls = issueCert(ca, dir, "fake-authentik-tls", { commonName: "127.0.0.1", ips: ["127.0.0.1"], dnsNames: ["localhost"] });
            const kid = (k: string) => createHash("md5").update(k).digest("hex");
            signing = await signingKeys();
            const { published, unpublished } = signing;
            const jwk = await jose.exportJWK(published.publicKey);
            jwk.kid = kid(await jose.exportPKCS8(published.privateKey));
            jwk.alg = "RS256";
            jwk.use = "sig";
            const keys = { published: published.privateKey, unpublished: unpublished.privateKey, jwk, unpublishedKid: kid(await jose.exportPKCS8(unpublished.privateKey)) };
            const ref: { idp?: FakeAuthentik } = {};
            const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => ref.idp!.handle(req.url ?? "/", res));
            const port = await new Promise<number>((resolve, reject) => {
                server.once("error", reject);
                server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
            });
            ref.idp = new FakeAuthentik(server, opts, keys, dir, ownsDir, ca.certPem, ca.certFile, port, signing);
            return ref.idp;
        } catch (e) {
            if (signing) {
                freeKeys.push(signing);
            }
            if (ownsDir) {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            throw e;
        }
    }

    /** The issuer Authentik publishes (and puts in `iss`): issuerUrl, unless seenScheme differs. */
    get publishedIssuer(): string {
        return issuerUrlFor(this.publishedBase, this.slug);
    }

    private get publishedBase(): string {
        return this.opts.seenScheme ? this.baseUrl.replace(/^https:/, `${this.opts.seenScheme}:`) : this.baseUrl;
    }

    /** The discovery document as served. */
    discovery(): Record<string, unknown> {
        const app = `${this.publishedBase}/application/o`;
        return {
            issuer: this.publishedIssuer,
            authorization_endpoint: `${app}/authorize/`,
            token_endpoint: `${app}/token/`,
            userinfo_endpoint: `${app}/userinfo/`,
            end_session_endpoint: `${app}/${this.slug}/end-session/`,
            introspection_endpoint: `${app}/introspect/`,
            revocation_endpoint: `${app}/revoke/`,
            device_authorization_endpoint: `${app}/device/`,
            backchannel_logout_supported: true,
            backchannel_logout_session_supported: true,
            response_types_supported: ["code", "id_token", "id_token token", "code token", "code id_token", "code id_token token"],
            response_modes_supported: ["query", "fragment", "form_post"],
            jwks_uri: `${app}/${this.slug}/jwks/`,
            grant_types_supported: ["authorization_code", "refresh_token", "implicit", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:device_code"],
            id_token_signing_alg_values_supported: ["RS256"],
            subject_types_supported: ["public"],
            token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
            acr_values_supported: [ACR_AUTHENTIK_DEFAULT],
            scopes_supported: this.opts.scopes,
            request_parameter_supported: false,
            claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "email_verified", "name", "given_name", "preferred_username", "nickname", "groups"],
            claims_parameter_supported: false,
            code_challenge_methods_supported: ["plain", "S256"],
            ...(this.opts.discovery ?? {}),
        };
    }

    /** The JWKS as served (only the published key). */
    jwks(): { keys: jose.JWK[] } {
        return { keys: [this.keys.jwk] };
    }

    /**
     * The claims a token for `user` carries: Authentik's base claims, then the provider's scope
     * mappings for the requested scopes (as AuthentikOidcApp picks them), then `opts.claims`.
     */
    claimsFor(user: FakeUser, opts: MintOptions = {}): Record<string, unknown> {
        const now = Math.floor(Date.now() / 1000);
        const requested = opts.scopes ?? ["openid", ...HEADLAMP_DEFAULTS.scopes];
        const claims: Record<string, unknown> = {
            iss: opts.issuer ?? this.publishedIssuer,
            sub: createHash("sha256").update(`${user.username}-fake-authentik`).digest("hex"),
            aud: opts.audience ?? this.clientId,
            exp: now + (opts.expiresInSeconds ?? validitySeconds(this.opts.accessTokenValidity)),
            iat: now,
            auth_time: now,
            acr: ACR_AUTHENTIK_DEFAULT,
            // How the user logged in (a password), and the login session's hashed id.
            amr: ["pwd"],
            sid: createHash("sha256").update(`${user.username}-session`).digest("hex"),
        };
        // The provider's mappings; a scope is mapped when the
        // client asked for it (authentik/providers/oauth2/views/userinfo.py).
        const plan = planScopes(this.opts.scopes, this.opts.emailVerified);
        const mappings = plan.managed.map((name) => ({ scope: scopeOf(name), expression: MANAGED_EXPRESSIONS[name] }));
        if (plan.customEmail) {
            mappings.push({ scope: "email", expression: this.opts.emailExpression });
        }
        // Evaluated in scope-name order, as a real 2025.12.4's tokens show (email's claims before profile's).
        mappings.sort((a, b) => a.scope.localeCompare(b.scope));
        for (const mapping of mappings) {
            if (requested.includes(mapping.scope)) {
                Object.assign(claims, evaluateMapping(mapping.expression, user));
            }
        }
        if ((opts.kind ?? TokenKind.Id) === TokenKind.Access) {
            claims.azp = this.clientId;
            // authentik.lib.generators.generate_id(): 40 letters and digits.
            const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            claims.uid = [...randomBytes(40)].map((b) => alphabet[b % alphabet.length]).join("");
            claims.scope = requested.join(" ");
        }
        for (const [k, v] of Object.entries(opts.claims ?? {})) {
            if (v === undefined) {
                delete claims[k];
            } else {
                claims[k] = v;
            }
        }
        return claims;
    }

    /** A signed token for `user` (see MintOptions for the broken variants). */
    async mint(user: FakeUser, opts: MintOptions = {}): Promise<string> {
        const jwt = new jose.SignJWT(this.claimsFor(user, opts));
        switch (opts.signing ?? TokenSigning.Published) {
            case TokenSigning.Published:
                return jwt.setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.kid }).sign(this.keys.published);
            case TokenSigning.Unpublished:
                return jwt.setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.keys.unpublishedKid }).sign(this.keys.unpublished);
            case TokenSigning.Hs256:
                return jwt.setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(this.opts.clientSecret));
            default:
                throw new Error(`fake Authentik: unknown signing ${JSON.stringify(opts.signing)}`);
        }
    }

    /** Stops the server (closing open connections) and removes its temp dir. */
    async stop(): Promise<void> {
        await new Promise<void>((resolve) => {
            this.server.close(() => resolve());
            this.server.closeAllConnections();
        });
        if (!freeKeys.includes(this.signing)) {
            freeKeys.push(this.signing);
        }
        if (this.ownsDir) {
            fs.rmSync(this.dir, { recursive: true, force: true });
        }
    }

    private handle(url: string, res: import("http").ServerResponse): void {
        const pathname = new URL(url, this.baseUrl).pathname;
        this.requests.push(pathname);
        const base = `/application/o/${this.slug}/`;
        const send = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (pathname === `${base}.well-known/openid-configuration`) {
            send(200, this.discovery());
        } else if (pathname === `${base}jwks/`) {
            send(200, this.jwks());
        } else {
            send(404, { detail: "Not found." });
        }
    }
}

function scopeOf(managedName: string): string {
    const scope = Object.keys(MANAGED_SCOPES).find((s) => MANAGED_SCOPES[s] === managedName);
    if (scope === undefined) {
        throw new Error(`fake Authentik: no scope for the managed mapping ${managedName}`);
    }
    return scope;
}
