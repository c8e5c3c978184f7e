// Stand-ins for the doctor's tests, on https://127.0.0.1 with a CA of their own:
//
// - FakeAuthentikApi: the parts of Authentik's REST API (/api/v3) the doctor reads (cli/authentik-api.ts;
//   the tests read them through @goauthentik/api too), in the API's own JSON shapes (snake_case, paginated lists):
//     GET /api/v3/providers/oauth2/?client_id=<id>           authentik/providers/oauth2/api/providers.py
//     GET /api/v3/providers/oauth2/<pk>/preview_user/        (IDToken.new(...).to_dict() for the caller)
//     GET /api/v3/propertymappings/provider/scope/<uuid>/
//     GET /api/v3/admin/settings/                             authentik/tenants/api/settings.py (SettingsSerializer;
//                                                             403 without the view_system_settings permission)
//     GET /api/v3/admin/version/                              authentik/admin/api/version.py
//   The answers are what a real Authentik 2025.12.4 answered (tests/fixtures/authentik-2025.12.4/api/),
//   with this provider's values put in: the same keys and types, and per release the fields it has
//   (grant_types on the provider and redirect_uri_type on each redirect URI only from 2026.5, as
//   each release's schema says; the recorded 2025.12.4 answered without both).
//   Requests without the right bearer token get 403, as DRF answers. The provider's scope mappings
//   are those AuthentikOidcApp attaches (planScopes), and preview_user answers with the claims the
//   fake issuer (tests/fake-authentik/issuer.ts) would put into an ID token for that user, so the
//   API and the tokens cannot disagree.
//
// - FakeHeadlamp: Headlamp's OIDC login start as its backend serves it (backend/cmd/headlamp.go):
//   GET /oidc?cluster=<name> builds the provider from the issuer's discovery document (go-oidc's
//   NewProvider, which refuses a document whose issuer differs from the configured one) and answers
//   302 to the authorization endpoint with client_id, redirect_uri, response_type=code, scope and
//   state (golang.org/x/oauth2 AuthCodeURL). Without an explicit callback URL the redirect_uri is
//   built from the request: X-Forwarded-Proto (default http, as behind an ingress that terminates
//   TLS and does not forward the scheme) :// Host /oidc-callback.
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { AUTHENTIK_DEFAULTS, MANAGED_SCOPES, planScopes } from "../../components/authentik/settings";
import { authentikApiFields } from "../../components/authentik/versions";
import { FakeAuthentik, FakeUser } from "../fake-authentik/issuer";
import { KeyPair, issueCert, makeCa } from "../pki";

/** What a real Authentik 2025.12.4 answered (tests/fixtures/authentik-2025.12.4/api/): the fakes' answers start from these. */
const RECORDED = (() => {
    const body = (file: string) => (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "authentik-2025.12.4", "api", file), "utf8")) as { body: Record<string, unknown> }).body;
    return {
        provider: body("provider-oauth2.json"),
        settings: body("admin-settings.json"),
        version: body("admin-version.json") as { version_current: string } & Record<string, unknown>,
    };
})();

/** A CA and a server certificate for 127.0.0.1, in a temp dir. */
export class TestPki {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-pki-"));
    readonly ca: KeyPair = makeCa(this.dir, "doctor");
    readonly server: KeyPair = issueCert(this.ca, this.dir, "doctor-server", { commonName: "127.0.0.1", ips: ["127.0.0.1"] });
    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

async function listen(server: https.Server): Promise<number> {
    return new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
}

async function close(server: https.Server): Promise<void> {
    await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
    });
}

/** A TLS server of these fakes: the requests it saw ("METHOD /path?query"), and stop(). */
abstract class FakeServer {
    readonly requests: string[] = [];
    protected constructor(private readonly server: https.Server) {}

    stop(): Promise<void> {
        return close(this.server);
    }
}

/** How the Authentik provider is set up; defaults are what AuthentikOidcApp creates. */
export interface FakeApiOptions {
    /** The issuer this provider belongs to (its slug and client id are taken from it). */
    idp: FakeAuthentik;
    /** The API token the fake accepts. */
    token: string;
    /** The user the API token belongs to (preview_user previews for the caller). */
    user: FakeUser;
    /** Allowed redirect URIs. */
    redirectUris: { matching_mode: string; url: string; redirect_uri_type?: string }[];
    /** The signing key pair's uuid, or null (HS256). Default: a uuid. */
    signingKey?: string | null;
    /** Must match the issuer's: AuthentikOidcApp's scopes. */
    scopes?: string[];
    /** Must match the issuer's: AuthentikOidcApp's emailVerified. */
    emailVerified?: boolean;
    /**
     * The release the fake answers as (GET /admin/version/ and which fields the provider has).
     * Default 2025.12.4, the release the answers were recorded from.
     */
    version?: string;
    /** The provider's grant types; only for a version of 2026.5 or newer (default there: none, `[]`). */
    grantTypes?: string[];
    /** The token's user lacks the permission preview_user needs (403 there only). */
    previewForbidden?: boolean;
    /** The system setting "Allow users to change email" (default_user_change_email). Default false, Authentik's default. */
    userChangeEmail?: boolean;
    /** The token's user lacks authentik_rbac.view_system_settings (403 on /admin/settings/ only). */
    settingsForbidden?: boolean;
}

export class FakeAuthentikApi extends FakeServer {
    private constructor(server: https.Server, readonly baseUrl: string) {
        super(server);
    }

    static async start(pki: TestPki, opts: FakeApiOptions): Promise<FakeAuthentikApi> {
        const plan = planScopes(opts.scopes ?? AUTHENTIK_DEFAULTS.scopes, opts.emailVerified ?? AUTHENTIK_DEFAULTS.emailVerified);
        const mappings = plan.managed.map((managed, i) => ({
            pk: `00000000-0000-4000-8000-00000000000${i}`,
            managed,
            name: `authentik default OAuth Mapping: ${managed}`,
            scope_name: Object.keys(MANAGED_SCOPES).find((s) => MANAGED_SCOPES[s] === managed)!,
        }));
        if (plan.customEmail) {
            mappings.push({ pk: "00000000-0000-4000-8000-0000000000ee", managed: null as unknown as string, name: `${opts.idp.slug}-email-verified`, scope_name: "email" });
        }
        const version = opts.version ?? RECORDED.version.version_current;
        const fields = authentikApiFields(version);
        if (opts.grantTypes !== undefined && !fields.grantTypes) {
            throw new Error(`FakeAuthentikApi: Authentik ${version} has no grant types on a provider; give version 2026.5 or newer`);
        }
        const provider = {
            ...RECORDED.provider,
            pk: 7,
            name: opts.idp.slug,
            property_mappings: mappings.map((m) => m.pk),
            assigned_application_slug: opts.idp.slug,
            assigned_application_name: "Headlamp",
            client_id: opts.idp.clientId,
            client_secret: "never-printed-client-secret",
            signing_key: opts.signingKey === undefined ? "5d3e0f1a-0000-4000-8000-000000000001" : opts.signingKey,
            redirect_uris: opts.redirectUris.map(({ redirect_uri_type, ...r }) => (fields.redirectUriType ? { ...r, redirect_uri_type: redirect_uri_type ?? "authorization" } : r)),
            ...(fields.grantTypes ? { grant_types: opts.grantTypes ?? [] } : {}),
        };
        const ref: { api?: FakeAuthentikApi } = {};
        const server = https.createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, (req, res) => {
            const url = new URL(req.url ?? "/", "https://127.0.0.1");
            ref.api!.requests.push(`${req.method} ${url.pathname}${url.search}`);
            const send = (status: number, body: unknown) => {
                res.writeHead(status, { "content-type": "application/json" });
                res.end(JSON.stringify(body));
            };
            if (req.headers.authorization !== `Bearer ${opts.token}`) {
                send(403, { detail: "Authentication credentials were not provided." });
                return;
            }
            let m: RegExpExecArray | null;
            if (url.pathname === "/api/v3/admin/settings/" && opts.settingsForbidden) {
                send(403, { detail: "You do not have permission to perform this action." });
            } else if (url.pathname === "/api/v3/admin/settings/") {
                send(200, { ...RECORDED.settings, default_user_change_email: opts.userChangeEmail ?? false });
            } else if (url.pathname === "/api/v3/admin/version/") {
                send(200, { ...RECORDED.version, version_current: version });
            } else if (url.pathname === "/api/v3/providers/oauth2/") {
                const clientId = url.searchParams.get("client_id");
                const results = clientId === null || clientId === provider.client_id ? [provider] : [];
                send(200, { pagination: { next: 0, previous: 0, count: results.length, current: 1, total_pages: 1, start_index: results.length ? 1 : 0, end_index: results.length }, results, autocomplete: {} });
            } else if (url.pathname === `/api/v3/providers/oauth2/${provider.pk}/preview_user/` && opts.previewForbidden) {
                send(403, { detail: "You do not have permission to perform this action." });
            } else if (url.pathname === `/api/v3/providers/oauth2/${provider.pk}/preview_user/`) {
                // Every scope of the provider's mappings, as authentik's preview_user asks for.
                const scopes = mappings.map((x) => x.scope_name);
                send(200, { preview: opts.idp.claimsFor(opts.user, { scopes }) });
            } else if ((m = /^\/api\/v3\/propertymappings\/provider\/scope\/([^/]+)\/$/.exec(url.pathname))) {
                const mapping = mappings.find((x) => x.pk === m![1]);
                if (mapping) {
                    send(200, { ...mapping, expression: "return {}", component: "ak-property-mapping-provider-scope-form", verbose_name: "Scope Mapping", verbose_name_plural: "Scope Mappings", meta_model_name: "authentik_providers_oauth2.scopemapping" });
                } else {
                    send(404, { detail: "No ScopeMapping matches the given query." });
                }
            } else {
                send(404, { detail: "Not found." });
            }
        });
        const port = await listen(server);
        ref.api = new FakeAuthentikApi(server, `https://127.0.0.1:${port}`);
        return ref.api;
    }
}

/** How Headlamp is configured. */
export interface FakeHeadlampOptions {
    issuerUrl: string;
    /** PEM of the CA Headlamp trusts for the issuer (-oidc-ca-file). */
    issuerCaPem: string;
    clientId: string;
    /**
     * -oidc-callback-url: "explicit" (default) sets it to https://<this server>/oidc-callback, as
     * HeadlampRelease does; "from-request" leaves it unset, so Headlamp builds it from the request.
     */
    callback?: "explicit" | "from-request";
    /** Scopes after openid (Headlamp adds openid). */
    scopes?: string[];
    /** The in-cluster context name. Default main. */
    cluster?: string;
}

export class FakeHeadlamp extends FakeServer {
    private constructor(server: https.Server, readonly url: string) {
        super(server);
    }

    static async start(pki: TestPki, opts: FakeHeadlampOptions): Promise<FakeHeadlamp> {
        const ref: { h?: FakeHeadlamp } = {};
        const server = https.createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, (req, res) => {
            const url = new URL(req.url ?? "/", "https://127.0.0.1");
            ref.h!.requests.push(`${req.method} ${url.pathname}${url.search}`);
            if (url.pathname === "/oidc") {
                if (url.searchParams.get("cluster") !== (opts.cluster ?? "main")) {
                    res.writeHead(404).end("404 page not found\n");
                    return;
                }
                const discoveryUrl = `${opts.issuerUrl.replace(/\/$/, "")}/.well-known/openid-configuration`;
                https.get(discoveryUrl, { ca: opts.issuerCaPem }, (d) => {
                    let body = "";
                    d.on("data", (c: Buffer) => (body += c.toString()));
                    d.on("end", () => {
                        const doc = JSON.parse(body) as { issuer: string; authorization_endpoint: string };
                        if (d.statusCode !== 200 || doc.issuer !== opts.issuerUrl) {
                            res.writeHead(500).end("oidc provider unavailable\n");
                            return;
                        }
                        const proto = (req.headers["x-forwarded-proto"] as string | undefined) ?? "http";
                        const redirect = (opts.callback ?? "explicit") === "explicit" ? `${ref.h!.url}oidc-callback` : `${proto}://${req.headers.host}/oidc-callback`;
                        const auth = new URL(doc.authorization_endpoint);
                        auth.searchParams.set("client_id", opts.clientId);
                        auth.searchParams.set("redirect_uri", redirect);
                        auth.searchParams.set("response_type", "code");
                        auth.searchParams.set("scope", ["openid", ...(opts.scopes ?? ["profile", "email", "offline_access"])].join(" "));
                        auth.searchParams.set("state", "signed-state");
                        res.writeHead(302, { location: auth.toString() }).end();
                    });
                }).on("error", () => res.writeHead(500).end("oidc provider unavailable\n"));
                return;
            }
            res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Headlamp</title>");
        });
        const port = await listen(server);
        ref.h = new FakeHeadlamp(server, `https://127.0.0.1:${port}/`);
        return ref.h;
    }
}

/** Captures what the doctor writes. */
export class Capture {
    out = "";
    err = "";
    readonly stdout: { write(s: string): boolean; isTTY?: boolean };
    readonly stderr = { write: (s: string) => ((this.err += s), true) };
    constructor(tty = false) {
        this.stdout = { write: (s: string) => ((this.out += s), true), isTTY: tty };
    }
}
