// Checks 4: the ID token. Its RS256 signature verifies against the issuer's JWKS, `iss` is the
// issuer, `aud` holds the client id, it has not expired, and its claims are what kube-apiserver
// needs (email_verified a boolean and not false when the username claim is email; groups present). The token is
// never printed, only claims. The JWT itself (decoding, the signature, the algorithm allow-list, the
// critical header parameters, iss/aud/exp/nbf) is jose's work; this file picks the key by kid and
// turns jose's verdicts into the doctor's own messages and fixes.
import * as jose from "jose";
import { Check, DoctorInputs, Facts, Jwk } from "./context";
import { NO_ISSUER, differInOrigin, differOnlyInTrailingSlash, proxyCause, proxyFix } from "./issuer";
import { Outcome, fail, pass } from "./report";

/** A JWT decoded (not yet verified): its header and payload, and the compact form to verify. */
export interface DecodedJwt {
    header: Record<string, unknown>;
    payload: Record<string, unknown>;
    /** The compact serialization, trimmed. */
    compact: string;
}

/** Decodes a compact JWT with jose; throws with a message that quotes no part of the token. */
export function decodeJwt(raw: string): DecodedJwt {
    const compact = raw.trim();
    const parts = compact.split(".");
    if (parts.length !== 3) {
        throw new Error(`it is not a JWT (${parts.length} dot-separated parts, a JWT has 3).`);
    }
    let header: Record<string, unknown>;
    try {
        header = jose.decodeProtectedHeader(compact);
    } catch {
        throw new Error("its header is not base64url-encoded JSON.");
    }
    try {
        return { header, payload: jose.decodeJwt(compact), compact };
    } catch {
        throw new Error("its payload is not base64url-encoded JSON.");
    }
}

export const NO_TOKEN = "no token (give --token-file FILE, or - for stdin).";

const SIGNING_FIX = "Give the Authentik provider a signing key (stack config signingKeyName) and run pulumi up, then get a new token.";

/** The only algorithm kube-apiserver accepts from this issuer (its discovery's id_token_signing_alg_values_supported). */
const ALGORITHMS = ["RS256"];

/** A jose error's class (jose's `code`), or undefined for anything else. */
function joseCode(err: unknown): string | undefined {
    return err instanceof jose.errors.JOSEError ? err.code : undefined;
}

/**
 * Verifies the signature (jose.jwtVerify, RS256 only, each JWKS key with the token's kid in turn)
 * and iss, aud and expiry (jose's claim checks, kube-apiserver's rules: no clock tolerance on exp).
 */
export async function judgeToken(jwt: DecodedJwt, keys: readonly Jwk[], issuer: string, clientId: string | undefined, nowSeconds: number): Promise<Outcome> {
    const alg = jwt.header.alg;
    if (typeof alg !== "string" || !ALGORITHMS.includes(alg)) {
        return fail(`the token is signed with ${JSON.stringify(alg)}, not RS256; kube-apiserver rejects it.`, SIGNING_FIX);
    }
    const kid = jwt.header.kid;
    const candidates = keys.filter((k) => kid === undefined || k.kid === kid);
    if (candidates.length === 0) {
        return fail(`no key in the issuer's JWKS has the token's kid ${JSON.stringify(kid)}.`, "The token comes from another issuer or a rotated key: get a new token from this issuer.");
    }
    const options: jose.JWTVerifyOptions = {
        algorithms: ALGORITHMS,
        issuer,
        audience: clientId,
        requiredClaims: ["exp"],
        currentDate: new Date(nowSeconds * 1000),
    };
    let claimError: unknown;
    for (const k of candidates) {
        let key: jose.CryptoKey | Uint8Array;
        try {
            key = await jose.importJWK(k, "RS256");
        } catch {
            continue; // not an RSA signing key: another candidate may be
        }
        try {
            await jose.jwtVerify(jwt.compact, key, options);
            return pass(`RS256 signature valid (kid ${JSON.stringify(kid ?? null)}), iss and aud match, expires ${new Date((jwt.payload.exp as number) * 1000).toISOString()}.`);
        } catch (err) {
            const code = joseCode(err);
            if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") {
                continue;
            }
            if (code === "ERR_JOSE_NOT_SUPPORTED" || code === "ERR_JWS_INVALID" || code === "ERR_JWT_INVALID" || code === "ERR_JOSE_ALG_NOT_ALLOWED") {
                // An unknown critical header parameter, a malformed header or claims set: refused
                // before any claim is trusted. jose's message names the part, never the token.
                return fail(`the token is refused: ${(err as Error).message}.`, "Get an ID token from this issuer as it issues them (kubectl oidc-login get-token ...), not a token built or altered elsewhere.");
            }
            claimError = err;
            break; // the signature verified: the claims decide
        }
    }
    if (claimError === undefined) {
        return fail("the signature does not verify against the issuer's JWKS.", "The token was not issued by this issuer (or was altered): get a new token from it.");
    }
    return claimFailure(claimError, jwt.payload, issuer, clientId, nowSeconds);
}

/** The doctor's message for a claim jose refused (the signature verified). */
function claimFailure(err: unknown, p: Record<string, unknown>, issuer: string, clientId: string | undefined, nowSeconds: number): Outcome {
    const claim = err instanceof jose.errors.JWTClaimValidationFailed || err instanceof jose.errors.JWTExpired ? err.claim : undefined;
    if (claim === "iss") {
        const slashOnly = typeof p.iss === "string" && differOnlyInTrailingSlash(p.iss, issuer);
        const origin = typeof p.iss === "string" ? differInOrigin(p.iss, issuer) : undefined;
        if (origin) {
            return fail(`iss is ${JSON.stringify(p.iss)}, the configured issuer is ${JSON.stringify(issuer)}: ${proxyCause(origin, p.iss as string, issuer)}.`, proxyFix(issuer, origin));
        }
        return fail(
            `iss is ${JSON.stringify(p.iss)}, the configured issuer is ${JSON.stringify(issuer)}${slashOnly ? " (they differ only in the trailing slash)" : ""}.`,
            `Configure the API server and Headlamp with exactly ${JSON.stringify(p.iss)}, or get the token from ${JSON.stringify(issuer)}.`,
        );
    }
    if (claim === "aud") {
        return fail(`aud is ${JSON.stringify(p.aud)}, not the client id ${JSON.stringify(clientId)}.`, `Get the token with client id ${JSON.stringify(clientId)} (kubelogin --oidc-client-id), or configure the API server's oidc-client-id to the token's audience.`);
    }
    if (claim === "exp" && typeof p.exp !== "number") {
        return fail("the token has no exp claim.", "kube-apiserver requires exp: get an ID token from Authentik, not another kind of token.");
    }
    if (claim === "exp") {
        return fail(`the token expired ${Math.round(nowSeconds - (p.exp as number))} s ago (exp ${new Date((p.exp as number) * 1000).toISOString()}).`, "Get a fresh token (kubectl oidc-login get-token ...); Headlamp refreshes with offline_access.");
    }
    if (claim === "nbf" && typeof p.nbf === "number") {
        return fail(`the token is not valid before ${new Date(p.nbf * 1000).toISOString()} (nbf), ${Math.round(p.nbf - nowSeconds)} s from now.`, "Check this machine's clock and the Authentik server's (NTP), then get a new token.");
    }
    return fail(`the token's claims are refused: ${(err as Error).message}.`, "Get an ID token from this issuer as it issues them (kubectl oidc-login get-token ...).");
}

/** The fix when a mapping returns email_verified as something other than a JSON boolean. */
export const EMAIL_VERIFIED_BOOLEAN_FIX = "Make the email scope mapping return the boolean True (\"email_verified\": True, not \"True\", \"true\" or str(...)); AuthentikOidcApp's own mapping (emailVerified: true, the default) does. Then get a new token.";

/**
 * What kube-apiserver says of a present `email_verified` that is not a JSON boolean when the
 * username claim is email (k8s.io/apiserver .../token/oidc/oidc.go: it unmarshals the claim into a
 * Go bool: "oidc: parse 'email_verified' claim: json: cannot unmarshal string into Go value of
 * type bool"; JSON null leaves the bool false: "oidc: email not verified"), or undefined when it is
 * a boolean or absent (an absent claim is not checked).
 */
export function emailVerifiedNotBoolean(claims: Record<string, unknown>): string | undefined {
    if (!("email_verified" in claims) || claims.email_verified === undefined || typeof claims.email_verified === "boolean") {
        return undefined;
    }
    const v = claims.email_verified;
    if (v === null) {
        return "null, not a boolean, and the username claim is email: kube-apiserver reads null as false and rejects the token (\"oidc: email not verified\")";
    }
    const goType = Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v === "number" ? "number" : "string";
    return `${JSON.stringify(v)} (a JSON ${goType}, not a boolean) and the username claim is email: kube-apiserver rejects the token ("oidc: parse 'email_verified' claim: json: cannot unmarshal ${goType} into Go value of type bool")`;
}

/** Checks the claims kube-apiserver maps to the user: the username claim, email_verified, groups. */
export function judgeClaims(payload: Record<string, unknown>, usernameClaim: string, groupsClaim: string): Outcome {
    const username = payload[usernameClaim];
    if (typeof username !== "string" || username === "") {
        return fail(`the token has no ${JSON.stringify(usernameClaim)} claim, which the API server uses as the username.`, usernameClaim === "email"
            ? "Add the email scope to the login (Headlamp and kubelogin scopes) and the email scope mapping to the provider."
            : `Map ${JSON.stringify(usernameClaim)} in Authentik, or set the username claim (usernameClaim) to one the token has.`);
    }
    const notBoolean = usernameClaim === "email" ? emailVerifiedNotBoolean(payload) : undefined;
    if (notBoolean !== undefined) {
        return fail(`email_verified is ${notBoolean}.`, EMAIL_VERIFIED_BOOLEAN_FIX);
    }
    if (usernameClaim === "email" && payload.email_verified === false) {
        return fail(
            "email_verified is false and the username claim is email: kube-apiserver rejects the token (\"oidc: email not verified\").",
            "Set emailVerified: true in the stack config (the default) and run pulumi up, so the provider uses the email mapping that says email_verified True; since Authentik 2025.10 the managed one says False.",
        );
    }
    const groups = payload[groupsClaim];
    if (!Array.isArray(groups)) {
        return fail(`the token has no ${JSON.stringify(groupsClaim)} claim, so group bindings cannot match.`, "Request the profile scope (it carries groups) in Headlamp and kubelogin, and attach the profile scope mapping to the provider.");
    }
    return pass(`${usernameClaim} ${JSON.stringify(username)}${usernameClaim === "email" ? `, email_verified ${JSON.stringify(payload.email_verified ?? null)}` : ""}, ${groupsClaim} ${JSON.stringify(groups)}.`);
}

export const tokenCheck: Check = {
    name: "token",
    needs: ["signing"],
    after: ["provider"],
    missing: (inputs) => !inputs.token ? NO_TOKEN : !inputs.issuer ? NO_ISSUER : undefined,
    run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        let jwt: DecodedJwt;
        try {
            jwt = decodeJwt(inputs.token!);
        } catch (err) {
            return Promise.resolve(fail(`the token file does not hold an ID token: ${(err as Error).message}`, "Save the ID token itself, e.g. kubectl oidc-login get-token ... | jq -r .status.token."));
        }
        return judgeToken(jwt, facts.jwks ?? [], inputs.issuer!, inputs.clientId, inputs.now()).then((outcome) => {
            if (outcome.status === "pass") {
                facts.claims = jwt.payload;
            }
            return outcome;
        });
    },
};

export const claimsCheck: Check = {
    name: "token-claims",
    needs: ["token"],
    after: ["scope-mappings"],
    missing: (inputs) => inputs.token ? undefined : NO_TOKEN,
    run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        return Promise.resolve(judgeClaims(facts.claims!, inputs.usernameClaim, inputs.groupsClaim));
    },
};
