// Checks 1: the issuer. Its discovery document is reachable over TLS, names exactly the configured
// issuer (trailing slash included), advertises RS256, and its JWKS holds an RSA signing key.
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
