// HTTP(S) for the doctor, on Node's own http/https: a private CA (--ca-file, a kubeconfig's CA),
// client certificates (an admin kubeconfig), no redirects followed (the Headlamp check reads the
// redirect itself), a timeout, and network errors explained as a cause plus a fix.
import * as http from "http";
import * as https from "https";
import * as tls from "tls";

/** How to reach a server. */
export interface HttpOptions {
    /** HTTP method; GET by default. */
    method?: string;
    /** Request headers. */
    headers?: Record<string, string>;
    /** Request body. */
    body?: string;
    /** CA certificates (PEM) to trust instead of Node's bundled ones (see `trustWith`). */
    ca?: string | string[];
    /** PEM client certificate and key (mutual TLS). */
    cert?: string;
    key?: string;
    /** Skip TLS verification (only when a kubeconfig asks for it). */
    insecure?: boolean;
    /** Give up after this many milliseconds (default 10 000). */
    timeoutMs?: number;
}

/** A response, body read as text. */
export interface HttpResponse {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

/**
 * Node's bundled CAs plus a private CA: --ca-file adds to what is trusted (Authentik may use a
 * private CA while Headlamp has a public certificate), where a bare `ca` option would replace it.
 */
export function trustWith(caPem: string | undefined): string[] | undefined {
    return caPem === undefined ? undefined : [...tls.rootCertificates, caPem];
}

/**
 * The TLS context for a CA list and client certificate, built once per distinct value: building one
 * parses every CA certificate given (Node's bundled ones and a private CA: about 150), tens of
 * milliseconds of CPU that each request would otherwise pay again. Keyed by the PEM text itself.
 */
const contexts = new Map<string, tls.SecureContext>();
export function secureContextFor(opts: Pick<HttpOptions, "ca" | "cert" | "key">): tls.SecureContext | undefined {
    if (opts.ca === undefined && opts.cert === undefined && opts.key === undefined) {
        return undefined;
    }
    const key = JSON.stringify([opts.ca ?? null, opts.cert ?? null, opts.key ?? null]);
    let context = contexts.get(key);
    if (context === undefined) {
        context = tls.createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key });
        if (contexts.size >= 16) {
            contexts.clear();
        }
        contexts.set(key, context);
    }
    return context;
}

/** One request; rejects on network and TLS errors (see `explainNetworkError`). */
export function request(url: string, opts: HttpOptions = {}): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
        const target = new URL(url);
        const mod = target.protocol === "https:" ? https : http;
        // https hands its options on to tls.connect, which takes secureContext instead of building
        // one from ca/cert/key (the same trust either way; tests/doctor/http.test.ts counts them).
        const options: https.RequestOptions & Pick<tls.ConnectionOptions, "secureContext"> = {
            method: opts.method ?? "GET",
            headers: opts.headers,
            secureContext: target.protocol === "https:" ? secureContextFor(opts) : undefined,
            ca: opts.ca,
            cert: opts.cert,
            key: opts.key,
            rejectUnauthorized: !opts.insecure,
            timeout: opts.timeoutMs ?? 10_000,
            // A fresh connection per request: a CA given for one server is never reused for another.
            agent: false,
        };
        const req = mod.request(target, options, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs ?? 10_000} ms`), { code: "ETIMEDOUT" })));
        req.on("error", reject);
        if (opts.body !== undefined) {
            req.write(opts.body);
        }
        req.end();
    });
}

/** GET a JSON document; rejects when the status is not 2xx or the body is not JSON. */
export async function getJson(url: string, opts: HttpOptions = {}): Promise<unknown> {
    const res = await request(url, { ...opts, headers: { accept: "application/json", ...opts.headers } });
    if (res.status < 200 || res.status > 299) {
        throw Object.assign(new Error(`${url} answered HTTP ${res.status}`), { code: "HTTP_STATUS", status: res.status });
    }
    try {
        return JSON.parse(res.body) as unknown;
    } catch {
        throw Object.assign(new Error(`${url} did not answer with JSON`), { code: "NOT_JSON" });
    }
}

const UNTRUSTED = new Set([
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "UNABLE_TO_GET_ISSUER_CERT",
    "CERT_UNTRUSTED",
]);

/** A network or TLS error as a cause and a fix. `caHint` says where a CA would come from. */
export function explainNetworkError(err: unknown, url: string, caHint: string): { detail: string; fix: string } {
    const e = err as { code?: string; message?: string; status?: number };
    const host = (() => {
        try {
            return new URL(url).host;
        } catch {
            return url;
        }
    })();
    const code = e.code ?? "";
    if (UNTRUSTED.has(code)) {
        return {
            detail: `TLS to ${host} failed: the certificate is not trusted (${code}).`,
            fix: `${caHint} Everything that talks to this server (kube-apiserver's oidc-ca-file / issuerCaPem, Headlamp) needs the same CA.`,
        };
    }
    if (code === "CERT_HAS_EXPIRED") {
        return { detail: `TLS to ${host} failed: its certificate has expired.`, fix: `Renew the certificate served at ${host}.` };
    }
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
        return { detail: `TLS to ${host} failed: the certificate is not valid for this name.`, fix: `Serve a certificate whose subjectAltName covers ${host}, or use the name it was issued for.` };
    }
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EHOSTUNREACH" || code === "ETIMEDOUT" || code === "ECONNRESET") {
        return { detail: `${host} is not reachable (${code}).`, fix: `Check the URL, DNS and that the service listens on ${host}.` };
    }
    if (code === "HTTP_STATUS") {
        return { detail: `${url} answered HTTP ${e.status}.`, fix: "Check the URL; the server is up but has no such document." };
    }
    if (code === "NOT_JSON") {
        return { detail: `${url} did not answer with JSON.`, fix: "Check the URL: something other than the expected service answers there (a proxy's error page?)." };
    }
    return { detail: `request to ${host} failed: ${e.message ?? String(err)}`, fix: `Check that ${host} is reachable from here.` };
}
