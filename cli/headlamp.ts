// Checks 3: Headlamp. It answers over https, and its OIDC login start (`/oidc?cluster=<name>`, which
// Headlamp answers with a 302 to the issuer's authorization endpoint) names this client id and a
// redirect_uri the provider allows: the usual http-vs-https and callback-path mismatches show here.
import { callbackFor, redirectAllowed } from "./authentik";
import { AllowedRedirect, Check, DoctorInputs, Facts } from "./context";
import { explainNetworkError, request, trustWith } from "./http";
import { Outcome, fail, pass } from "./report";

const CA_HINT = "Pass the private CA that signed Headlamp's certificate with --ca-file.";

/** Headlamp's login start URL for a cluster. */
export function loginStartUrl(headlampUrl: string, cluster: string): string {
    const base = headlampUrl.endsWith("/") ? headlampUrl : `${headlampUrl}/`;
    return `${base}oidc?cluster=${encodeURIComponent(cluster)}`;
}

/**
 * Judges where Headlamp's login start sends the browser. `allowed` is the provider's list when the
 * Authentik check read it, else Headlamp's callback as HeadlampRelease configures it.
 */
export function judgeLoginRedirect(status: number, location: string | undefined, authorizationEndpoint: string, clientId: string | undefined, allowed: readonly AllowedRedirect[], fromProvider: boolean): Outcome {
    if (status !== 302 && status !== 303 && status !== 307) {
        return fail(
            `the login start answered HTTP ${status} instead of redirecting to the issuer.`,
            status === 404
                ? "Headlamp knows no cluster of that name or has no OIDC config: check --cluster (in-cluster: main) and the chart's OIDC Secret."
                : "Headlamp could not start the login: its log says why (often it cannot reach the issuer, e.g. its CA is not trusted: give the chart the CA).",
        );
    }
    let target: URL;
    try {
        target = new URL(location ?? "");
    } catch {
        return fail(`the login start redirects to ${JSON.stringify(location ?? "")}, not to an absolute URL.`, "Check Headlamp's issuer setting (OIDC_ISSUER_URL in its Secret).");
    }
    const where = `${target.origin}${target.pathname}`;
    if (where !== authorizationEndpoint) {
        return fail(`Headlamp sends the login to ${where}, not to the issuer's authorization endpoint ${authorizationEndpoint}.`, "Headlamp has another issuer: set OIDC_ISSUER_URL (the oidc.issuerUrl of HeadlampRelease) to the issuer and run pulumi up.");
    }
    const id = target.searchParams.get("client_id");
    if (clientId !== undefined && id !== clientId) {
        return fail(`Headlamp logs in with client id ${JSON.stringify(id)}, not ${JSON.stringify(clientId)}.`, "Set Headlamp's client id (oidc.clientId of HeadlampRelease, the stack's clientId output) and run pulumi up.");
    }
    const redirect = target.searchParams.get("redirect_uri") ?? "";
    if (!redirectAllowed(redirect, allowed)) {
        const list = allowed.map((a) => a.url);
        const httpInsteadOfHttps = redirect.startsWith("http://") && list.includes(`https://${redirect.slice("http://".length)}`);
        return fail(
            `Headlamp sends redirect_uri ${JSON.stringify(redirect)}, which the provider does not allow (${fromProvider ? "it allows" : "expected"} ${JSON.stringify(list)}).`,
            httpInsteadOfHttps
                ? "Headlamp builds the callback from the request and sees http: set its callback URL explicitly (HeadlampRelease oidc.callbackUrl, the chart's config.oidc.callbackURL) or make the ingress forward X-Forwarded-Proto: https."
                : "Make Headlamp's callback URL (oidc.callbackUrl, default https://<host>/oidc-callback) and the provider's redirect URIs the same, then run pulumi up.",
        );
    }
    return pass(`redirects to ${where} with client_id ${JSON.stringify(id)} and redirect_uri ${JSON.stringify(redirect)}.`);
}

export const headlampCheck: Check = {
    name: "headlamp",
    needs: [],
    after: ["issuer", "signing"],
    missing: (inputs) => inputs.headlampUrl ? undefined : "no Headlamp URL (give --headlamp-url).",
    async run(inputs: DoctorInputs): Promise<Outcome> {
        const url = inputs.headlampUrl!;
        if (new URL(url).protocol !== "https:") {
            return fail(`${url} is not https.`, "Serve Headlamp over https (HeadlampRelease's ingress with TLS): browsers drop its session cookie otherwise and Authentik only allows the https callback.");
        }
        try {
            const res = await request(url, { ca: trustWith(inputs.caPem) });
            if (res.status >= 500) {
                return fail(`${url} answered HTTP ${res.status}.`, "Headlamp (or the ingress in front of it) is failing: kubectl -n headlamp logs deploy/headlamp.");
            }
            return pass(`${url} answers HTTP ${res.status} over https.`);
        } catch (err) {
            const why = explainNetworkError(err, url, CA_HINT);
            return fail(why.detail, why.fix);
        }
    },
};

export const loginCheck: Check = {
    name: "headlamp-login",
    needs: ["headlamp", "issuer"],
    after: ["redirect-uris"],
    missing: (inputs) => inputs.headlampUrl ? undefined : "no Headlamp URL (give --headlamp-url).",
    async run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        const endpoint = facts.discovery?.authorization_endpoint;
        if (typeof endpoint !== "string") {
            return fail("the issuer's discovery document has no authorization_endpoint.", "Check the issuer URL.");
        }
        const url = loginStartUrl(inputs.headlampUrl!, inputs.cluster);
        try {
            const res = await request(url, { ca: trustWith(inputs.caPem), headers: { accept: "text/html" } });
            const location = res.headers.location;
            const allowed = facts.allowedRedirects ?? [{ matchingMode: "strict", url: callbackFor(inputs.headlampUrl!) }];
            return judgeLoginRedirect(res.status, location, endpoint, inputs.clientId, allowed, facts.allowedRedirects !== undefined);
        } catch (err) {
            const why = explainNetworkError(err, url, CA_HINT);
            return fail(why.detail, why.fix);
        }
    },
};
