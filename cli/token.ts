// Checks 4: the ID token. Its RS256 signature verifies against the issuer's JWKS, `iss` is the
// issuer, `aud` holds the client id, it has not expired, and its claims are what kube-apiserver
// needs (email_verified a boolean and not false when the username claim is email; groups present). The token is
// never printed, only claims.
import * as crypto from "crypto";
import { Check, DoctorInputs, Facts, Jwk } from "./context";
import { NO_ISSUER, differInOrigin, differOnlyInTrailingSlash, proxyCause, proxyFix } from "./issuer";
import { Outcome, fail, pass } from "./report";

/** A JWT split into its parts. */
export interface DecodedJwt {
    header: Record<string, unknown>;
    payload: Record<string, unknown>;
    signingInput: string;
    signature: Buffer;
}

/** Splits and decodes a compact JWT; throws with a message that quotes no part of the token. */
export function decodeJwt(raw: string): DecodedJwt {
    const parts = raw.trim().split(".");
    if (parts.length !== 3) {
        throw new Error(`it is not a JWT (${parts.length} dot-separated parts, a JWT has 3).`);
    }
    const json = (part: string, what: string): Record<string, unknown> => {
        try {
            const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
            if (value && typeof value === "object" && !Array.isArray(value)) {
                return value as Record<string, unknown>;
            }
        } catch {
            // fall through
        }
        throw new Error(`its ${what} is not base64url-encoded JSON.`);
    };
    return { header: json(parts[0], "header"), payload: json(parts[1], "payload"), signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], "base64url") };
}

export const NO_TOKEN = "no token (give --token-file FILE, or - for stdin).";

const SIGNING_FIX = "Give the Authentik provider a signing key (stack config signingKeyName) and run pulumi up, then get a new token.";

/** Checks the signature, iss, aud and expiry. */
export function judgeToken(jwt: DecodedJwt, keys: readonly Jwk[], issuer: string, clientId: string | undefined, nowSeconds: number): Outcome {
    const alg = jwt.header.alg;
    if (alg !== "RS256") {
        return fail(`the token is signed with ${JSON.stringify(alg)}, not RS256; kube-apiserver rejects it.`, SIGNING_FIX);
    }
    const kid = jwt.header.kid;
    const candidates = keys.filter((k) => kid === undefined || k.kid === kid);
    if (candidates.length === 0) {
        return fail(`no key in the issuer's JWKS has the token's kid ${JSON.stringify(kid)}.`, "The token comes from another issuer or a rotated key: get a new token from this issuer.");
    }
    const verified = candidates.some((k) => {
        try {
            const key = crypto.createPublicKey({ key: k as crypto.JsonWebKey, format: "jwk" });
            return crypto.verify("sha256", Buffer.from(jwt.signingInput), key, jwt.signature);
        } catch {
            return false;
        }
    });
    if (!verified) {
        return fail("the signature does not verify against the issuer's JWKS.", "The token was not issued by this issuer (or was altered): get a new token from it.");
    }
    const p = jwt.payload;
    if (p.iss !== issuer) {
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
    const aud = Array.isArray(p.aud) ? p.aud : [p.aud];
    if (clientId !== undefined && !aud.includes(clientId)) {
        return fail(`aud is ${JSON.stringify(p.aud)}, not the client id ${JSON.stringify(clientId)}.`, `Get the token with client id ${JSON.stringify(clientId)} (kubelogin --oidc-client-id), or configure the API server's oidc-client-id to the token's audience.`);
    }
    if (typeof p.exp !== "number") {
        return fail("the token has no exp claim.", "kube-apiserver requires exp: get an ID token from Authentik, not another kind of token.");
    }
    if (p.exp <= nowSeconds) {
        return fail(`the token expired ${Math.round(nowSeconds - p.exp)} s ago (exp ${new Date(p.exp * 1000).toISOString()}).`, "Get a fresh token (kubectl oidc-login get-token ...); Headlamp refreshes with offline_access.");
    }
    return pass(`RS256 signature valid (kid ${JSON.stringify(kid ?? null)}), iss and aud match, expires ${new Date(p.exp * 1000).toISOString()}.`);
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
        const outcome = judgeToken(jwt, facts.jwks ?? [], inputs.issuer!, inputs.clientId, inputs.now());
        if (outcome.status === "pass") {
            facts.claims = jwt.payload;
        }
        return Promise.resolve(outcome);
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
