// Checks 1: the issuer. Its discovery document is reachable over TLS, names exactly the configured
// issuer (trailing slash included; another scheme or host is named as a proxy problem), advertises
// RS256, and its JWKS, fetched only over https from the issuer's origin, holds an RSA signing key.
import { discoveryUrlFor } from "../components/authentik/settings";
import { Check, Discovery, DoctorInputs, Facts, Jwk } from "./context";
import { explainNetworkError, getJson, trustWith } from "./http";
import { Outcome, fail, pass } from "./report";

/** The discovery URL of an issuer as a client builds it (OIDC Discovery 1.0 §4: issuer + "/.well-known/..."). */
export function discoveryUrlOf(issuer: string): string {
    return discoveryUrlFor(issuer.endsWith("/") ? issuer : `${issuer}/`);
}

/** Two issuer URLs that differ only in trailing slashes (kube-apiserver and Headlamp still refuse that). */
export function differOnlyInTrailingSlash(a: string, b: string): boolean {
    return a !== b && a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/**
 * How two issuer URLs differ when they are the same but for the scheme and/or the host (port
 * included): what Authentik publishes when it builds its URLs from a request a proxy passed on
 * without the original scheme or host. Undefined when they differ otherwise (or not at all).
 */
export function differInOrigin(found: string, configured: string): { scheme: boolean; host: boolean } | undefined {
    let f: URL;
    let c: URL;
    try {
        f = new URL(found);
        c = new URL(configured);
    } catch {
        return undefined;
    }
    const rest = (u: URL) => `${u.pathname}${u.search}${u.hash}`;
    if (found === configured || rest(f) !== rest(c)) {
        return undefined;
    }
    const scheme = f.protocol !== c.protocol;
    const host = f.host !== c.host;
    return scheme || host ? { scheme, host } : undefined;
}

/** The cause when Authentik publishes another scheme or host than the one users reach it at. */
export function proxyCause(d: { scheme: boolean; host: boolean }, found: string, configured: string): string {
    const what = [d.scheme ? `the scheme (${new URL(found).protocol.slice(0, -1)} instead of ${new URL(configured).protocol.slice(0, -1)})` : "", d.host ? `the host (${new URL(found).host} instead of ${new URL(configured).host})` : ""].filter(Boolean).join(" and ");
    const headers = [d.scheme ? "X-Forwarded-Proto" : "", d.host ? "X-Forwarded-Host" : ""].filter(Boolean).join(" and ");
    return `they differ only in ${what}: Authentik builds its issuer from the request it sees, so it sits behind a proxy (an ingress terminating TLS) whose ${headers} it does not get or does not trust (since Authentik 2026.8 only from the networks in AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS)`;
}

/** The fix for proxyCause. */
export function proxyFix(configured: string, d: { scheme: boolean; host: boolean }): string {
    const headers = [d.scheme ? "X-Forwarded-Proto: https" : "", d.host ? "the original Host (or X-Forwarded-Host)" : ""].filter(Boolean).join(" and ");
    return `Make the ingress in front of Authentik forward ${headers}, and trust the ingress's network in Authentik (AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS, e.g. the cluster's pod network 10.42.0.0/16 on K3s), then restart Authentik; discovery must then name ${JSON.stringify(configured)}. Do not configure the ${d.scheme ? "http issuer: kube-apiserver requires https" : "internal host: users' tokens are issued for the public one"}.`;
}

export const NO_ISSUER = "no issuer (give --issuer, or run where `pulumi stack output` has issuerUrl).";

export const CA_HINT = "Pass the private CA that signed it with --ca-file.";

/** Compares the discovery document's issuer with the configured one, byte for byte. */
export function judgeIssuer(configured: string, doc: Discovery): Outcome {
    const found = doc.issuer;
    if (typeof found !== "string") {
        return fail("the discovery document has no issuer field.", "Check the issuer URL: it must be Authentik's per-application issuer, https://<authentik>/application/o/<slug>/.");
    }
    if (found === configured) {
        return pass(`discovery answers, issuer ${JSON.stringify(found)} matches.`);
    }
    if (differOnlyInTrailingSlash(found, configured)) {
        return fail(
            `the issuer is ${JSON.stringify(found)} but the configured issuer is ${JSON.stringify(configured)}: they differ only in the trailing slash, and kube-apiserver and Headlamp compare byte for byte.`,
            `Configure exactly ${JSON.stringify(found)} (the issuerUrl output of the stack) on the API server (oidc-issuer-url) and in Headlamp.`,
        );
    }
    const origin = differInOrigin(found, configured);
    if (origin) {
        return fail(
            `the document at ${discoveryUrlOf(configured)} names issuer ${JSON.stringify(found)}, not ${JSON.stringify(configured)}: ${proxyCause(origin, found, configured)}; kube-apiserver and Headlamp refuse every token.`,
            proxyFix(configured, origin),
        );
    }
    return fail(
        `the document at ${discoveryUrlOf(configured)} names issuer ${JSON.stringify(found)}, not ${JSON.stringify(configured)}.`,
        `Use ${JSON.stringify(found)} everywhere, or check that the configured issuer points at the right Authentik application.`,
    );
}

/** The RSA keys of a JWKS that can verify RS256 signatures. */
export function rsaSigningKeys(jwks: unknown): Jwk[] {
    const keys = (jwks as { keys?: unknown })?.keys;
    if (!Array.isArray(keys)) {
        return [];
    }
    return (keys as Jwk[]).filter((k) => k && k.kty === "RSA" && (k.use === undefined || k.use === "sig") && (k.alg === undefined || k.alg === "RS256") && typeof k.n === "string" && typeof k.e === "string");
}

const HS256_FIX = "Give the Authentik provider a signing key (the stack's signingKeyName, default \"authentik Self-signed Certificate\") and run pulumi up: without one Authentik signs ID tokens with HS256 and the client secret, which kube-apiserver rejects.";

/** Checks the advertised signing algorithms and the JWKS. */
export function judgeSigning(doc: Discovery, jwks: unknown): Outcome {
    const algs = doc.id_token_signing_alg_values_supported;
    if (!Array.isArray(algs) || !algs.includes("RS256")) {
        return fail(`the issuer signs ID tokens with ${JSON.stringify(algs ?? null)}, not RS256.`, HS256_FIX);
    }
    const keys = rsaSigningKeys(jwks);
    if (keys.length === 0) {
        return fail("RS256 is advertised but the JWKS has no RSA signing key.", HS256_FIX);
    }
    return pass(`RS256; the JWKS has ${keys.length} RSA signing key${keys.length === 1 ? "" : "s"} (kid ${keys.map((k) => JSON.stringify(k.kid ?? null)).join(", ")}).`);
}

export const issuerCheck: Check = {
    name: "issuer",
    needs: [],
    after: [],
    missing: (inputs) => inputs.issuer ? undefined : NO_ISSUER,
    async run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        if (new URL(inputs.issuer!).protocol !== "https:") {
            return fail(`${JSON.stringify(inputs.issuer)} is not https; kube-apiserver refuses (and K3s crash-loops on) a non-https issuer.`, "Serve Authentik over https and use its https issuer URL.");
        }
        const url = discoveryUrlOf(inputs.issuer!);
        let doc: Discovery;
        try {
            doc = await getJson(url, { ca: trustWith(inputs.caPem) }) as Discovery;
        } catch (err) {
            const why = explainNetworkError(err, url, CA_HINT);
            return fail(`discovery at ${url}: ${why.detail}`, why.fix);
        }
        const outcome = judgeIssuer(inputs.issuer!, doc);
        facts.discovery = doc;
        return outcome;
    },
};

/**
 * Where the keys that verify the tokens may come from: https on the issuer's own origin (Authentik
 * serves them at <issuer>jwks/). A key from anywhere else would let whoever serves that URL, or
 * sits on a plain-http path to it, vouch for any token. Undefined when the URI is acceptable.
 */
export function judgeJwksUri(jwksUri: string, issuer: string): Outcome | undefined {
    let u: URL;
    try {
        u = new URL(jwksUri);
    } catch {
        return fail(`the discovery document's jwks_uri ${JSON.stringify(jwksUri)} is not a URL.`, HS256_FIX);
    }
    const origin = new URL(issuer).origin;
    if (u.protocol !== "https:") {
        return fail(
            `the discovery document's jwks_uri ${JSON.stringify(jwksUri)} is not https: the signing keys would come over plain ${u.protocol.slice(0, -1)}, so anyone on the way could swap them; the doctor does not fetch them.`,
            `Serve the issuer's keys over https on its own origin (${origin}); behind a TLS-terminating proxy make Authentik see https (X-Forwarded-Proto: https from a network in AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS).`,
        );
    }
    if (u.origin !== origin) {
        return fail(
            `the discovery document's jwks_uri ${JSON.stringify(jwksUri)} is on ${u.origin}, not on the issuer's origin ${origin}; the doctor does not trust signing keys from another origin.`,
            `Check what serves ${discoveryUrlOf(issuer)}: Authentik publishes its keys on the issuer's origin (${origin}/application/o/<slug>/jwks/); a proxy rewriting the host (X-Forwarded-Host) or another server answers there.`,
        );
    }
    return undefined;
}

export const signingCheck: Check = {
    name: "signing",
    needs: ["issuer"],
    after: [],
    missing: (inputs) => inputs.issuer ? undefined : NO_ISSUER,
    async run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        const doc = facts.discovery!;
        if (typeof doc.jwks_uri !== "string") {
            return fail("the discovery document has no jwks_uri.", HS256_FIX);
        }
        const refused = judgeJwksUri(doc.jwks_uri, inputs.issuer!);
        if (refused) {
            return refused;
        }
        let jwks: unknown;
        try {
            jwks = await getJson(doc.jwks_uri, { ca: trustWith(inputs.caPem) });
        } catch (err) {
            const why = explainNetworkError(err, doc.jwks_uri, CA_HINT);
            return fail(`JWKS at ${doc.jwks_uri}: ${why.detail}`, why.fix);
        }
        facts.jwks = rsaSigningKeys(jwks);
        return judgeSigning(doc, jwks);
    },
};
