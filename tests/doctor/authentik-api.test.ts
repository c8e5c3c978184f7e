// The doctor's own Authentik API reader (cli/authentik-api.ts) held against Authentik's generated
// client (@goauthentik/api, a devDependency): the same requests (URL, query, bearer header) for
// every endpoint, the same JSON-to-model key mapping that its `Wire<T>` type assumes, and the same
// provider view read from the fake Authentik API through both.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as https from "https";
import * as api from "@goauthentik/api";
import { FakeAuthentik } from "../fake-authentik/issuer";
import { FakeAuthentikApi, TestPki } from "./fakes";
import {
    AuthentikApi,
    AuthentikApiError,
    SnakeKey,
    Wire,
    adminSettingsRetrieve,
    adminVersionRetrieve,
    propertymappingsProviderScopeRetrieve,
    providersOauth2List,
    providersOauth2PreviewUserRetrieve,
    snakeKey,
    urlOf,
} from "../../cli/authentik-api";
import { ProviderView, readProvider } from "../../cli/authentik";

const TOKEN = "api-token-of-the-test";

/** A fetch for the real client that trusts the test CA (global fetch takes no CA option). */
function fetchTrusting(ca: string, seen?: { url: string; authorization?: string }[]): typeof fetch {
    const f: typeof fetch = async (input: string | URL | Request, init?: RequestInit) => {
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        const headers = new Headers(init?.headers);
        seen?.push({ url, authorization: headers.get("authorization") ?? undefined });
        return new Promise<Response>((resolve, reject) => {
            const h: Record<string, string> = {};
            headers.forEach((v, k) => (h[k] = v));
            https.get(url, { ca, headers: h }, (res) => {
                let body = "";
                res.on("data", (c: Buffer) => (body += c.toString()));
                res.on("end", () => resolve(new Response(body, { status: res.statusCode, headers: { "content-type": "application/json" } })));
            }).on("error", reject);
        });
    };
    return f;
}

/** The provider view as the doctor read it through @goauthentik/api before it had its own reader. */
async function viewThroughClient(baseUrl: string, ca: string, clientId: string): Promise<{ provider?: ProviderView; preview?: Record<string, unknown>; settings?: unknown }> {
    const config = new api.Configuration({ basePath: `${baseUrl}/api/v3`, accessToken: TOKEN, fetchApi: fetchTrusting(ca) });
    const providers = new api.ProvidersApi(config);
    const found = (await providers.providersOauth2List({ clientId })).results.find((r) => r.clientId === clientId);
    if (!found) {
        return {};
    }
    const mappingsApi = new api.PropertymappingsApi(config);
    const mappings = await Promise.all((found.propertyMappings ?? []).map(async (pmUuid) => {
        const m = await mappingsApi.propertymappingsProviderScopeRetrieve({ pmUuid });
        return { name: m.name, managed: m.managed, scopeName: m.scopeName };
    }));
    const preview = await providers.providersOauth2PreviewUserRetrieve({ id: found.pk }).then((r) => r.preview as Record<string, unknown>, () => undefined);
    const settings = await new api.AdminApi(config).adminSettingsRetrieve().then((r) => ({ userChangeEmail: r.defaultUserChangeEmail }), (e: { response?: Response }) => ({ unreadable: `HTTP ${e.response?.status}` }));
    return {
        provider: {
            pk: found.pk,
            name: found.name,
            signingKey: found.signingKey,
            assignedApplicationSlug: found.assignedApplicationSlug,
            redirectUris: found.redirectUris.map((r) => ({ matchingMode: String(r.matchingMode), url: r.url, redirectUriType: r.redirectUriType === undefined ? undefined : String(r.redirectUriType) })),
            grantTypes: found.grantTypes?.map(String),
            mappings,
        },
        preview,
        settings,
    };
}

// Compile-time: the request parameters are the client's, in the API's spelling.
const typed: Wire<api.Settings> = { default_user_change_email: true, flags: { core_default_app_access: true, enterprise_audit_include_expanded_diff: false, flows_continuous_login: false, flows_refresh_others: false } };
// @ts-expect-error: the JSON key is snake_case; the client's camelCase name is not in the wire type.
const camel: Wire<api.Settings> = { defaultUserChangeEmail: true, flags: typed.flags };
// @ts-expect-error: providersOauth2List takes the client's own request fields only.
providersOauth2List({ client_id: "x" });
const key: SnakeKey<"assignedApplicationSlug"> = "assigned_application_slug";

describe("doctor: its Authentik API reader agrees with Authentik's generated client", function () {
    this.timeout(30_000);
    let pki: TestPki;
    let idp: FakeAuthentik;
    const started: FakeAuthentikApi[] = [];
    const user = { username: "alice", email: "alice@example.com", groups: ["k8s-admins"] };

    before(async () => {
        pki = new TestPki();
        idp = await FakeAuthentik.start();
    });
    after(async () => {
        await Promise.all(started.map((a) => a.stop()));
        await idp.stop();
        pki.remove();
    });

    async function fakeApi(o: { userChangeEmail?: boolean; settingsForbidden?: boolean; previewForbidden?: boolean; signingKey?: string | null } = {}): Promise<FakeAuthentikApi> {
        const a = await FakeAuthentikApi.start(pki, { idp, token: TOKEN, user, redirectUris: [{ matching_mode: "strict", url: "https://h.example.com/oidc-callback" }, { matching_mode: "regex", url: "http://localhost:8000" }], version: "2026.5.6", grantTypes: ["authorization_code", "refresh_token"], ...o });
        started.push(a);
        return a;
    }

    it("sends each request exactly as the client does: path, query and bearer header", async () => {
        assert.ok(typed && camel && key);
        const seen: { url: string; authorization?: string }[] = [];
        const a = await fakeApi();
        const config = new api.Configuration({ basePath: `${a.baseUrl}/api/v3`, accessToken: TOKEN, fetchApi: fetchTrusting(pki.ca.certPem, seen) });
        await new api.ProvidersApi(config).providersOauth2List({ clientId: "head lamp&x" });
        await new api.ProvidersApi(config).providersOauth2PreviewUserRetrieve({ id: 7 });
        await new api.PropertymappingsApi(config).propertymappingsProviderScopeRetrieve({ pmUuid: "00000000-0000-4000-8000-000000000000" });
        await new api.AdminApi(config).adminSettingsRetrieve();
        await new api.AdminApi(config).adminVersionRetrieve();
        const ours = [
            providersOauth2List({ clientId: "head lamp&x" }),
            providersOauth2PreviewUserRetrieve({ id: 7 }),
            propertymappingsProviderScopeRetrieve({ pmUuid: "00000000-0000-4000-8000-000000000000" }),
            adminSettingsRetrieve(),
            adminVersionRetrieve(),
        ].map((r) => urlOf(a.baseUrl, r));
        // The client writes spaces as %20, URLSearchParams as +: the same query once decoded.
        const norm = (u: string) => { const x = new URL(u); return `${x.origin}${x.pathname}?${[...x.searchParams].map(([k, v]) => `${k}=${v}`).join("&")}`; };
        assert.deepStrictEqual(ours.map(norm), seen.map((s) => norm(s.url)));
        assert.deepStrictEqual(seen.map((s) => s.authorization), seen.map(() => `Bearer ${TOKEN}`));
        // ...and our reader sends the same header (the fake answers 403 otherwise).
        const list = await new AuthentikApi(a.baseUrl, TOKEN, pki.ca.certPem).providers(idp.clientId);
        assert.strictEqual(list.results.length, 1);
    });

    it("the client maps every JSON key of the models the doctor reads by the Wire<T> rule (snake_case)", async () => {
        const a = await fakeApi();
        const ours = new AuthentikApi(a.baseUrl, TOKEN, pki.ca.certPem);
        const list = await ours.providers(idp.clientId);
        const provider = list.results[0];
        const mapping = await ours.scopeMapping(provider.property_mappings![0]);
        const settings = await ours.settings();
        const version = await ours.version();
        const rec = (x: object) => x as Record<string, unknown>;
        const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
            ["OAuth2Provider", rec(provider), rec(api.OAuth2ProviderFromJSON(provider))],
            ["RedirectURI", rec(provider.redirect_uris[0]), rec(api.RedirectURIFromJSON(provider.redirect_uris[0]))],
            ["ScopeMapping", rec(mapping), rec(api.ScopeMappingFromJSON(mapping))],
            ["Settings", rec(settings), rec(api.SettingsFromJSON(settings))],
            ["Version", rec(version), rec(api.VersionFromJSON(version))],
        ];
        for (const [name, wire, model] of cases) {
            const modelKeys = Object.keys(model).filter((k) => model[k] !== undefined);
            assert.ok(modelKeys.length >= 3, `${name}: the client read ${modelKeys.length} fields`);
            for (const k of modelKeys) {
                assert.ok(snakeKey(k) in wire, `${name}.${k}: the client reads it from ${JSON.stringify(snakeKey(k))}, which the JSON lacks`);
            }
        }
        assert.strictEqual(api.SettingsFromJSON(settings).defaultUserChangeEmail, settings.default_user_change_email);
    });

    it("reads the same provider, mappings, preview and settings as the client would", async () => {
        for (const o of [{}, { userChangeEmail: true }, { settingsForbidden: true, previewForbidden: true }, { signingKey: null }]) {
            const a = await fakeApi(o);
            // The preview is minted per request: its times may tick between the two reads.
            const timeless = <T extends { preview?: Record<string, unknown> }>(v: T): T => (v.preview ? { ...v, preview: { ...v.preview, iat: 0, exp: 0, auth_time: 0 } } : v);
            const ours = await readProvider(a.baseUrl, TOKEN, idp.clientId, pki.ca.certPem);
            const theirs = await viewThroughClient(a.baseUrl, pki.ca.certPem, idp.clientId);
            assert.deepStrictEqual(timeless(ours), timeless(theirs), JSON.stringify(o));
            assert.ok(ours.provider && ours.provider.mappings.length > 0 && ours.provider.redirectUris.length === 2);
        }
        assert.deepStrictEqual(await readProvider((await fakeApi()).baseUrl, TOKEN, "nobody", pki.ca.certPem), {});
    });

    it("answers like the recorded Authentik 2025.12.4 (same keys and JSON types), with 2026.5's fields only from 2026.5", async () => {
        const recorded = (file: string) => (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "authentik-2025.12.4", "api", file), "utf8")) as { body: Record<string, unknown> }).body;
        const shape = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? "null" : Array.isArray(v) ? "array" : typeof v]));
        const a = await FakeAuthentikApi.start(pki, { idp, token: TOKEN, user, redirectUris: [{ matching_mode: "strict", url: "https://h.example.com/oidc-callback" }] });
        started.push(a);
        const ours = new AuthentikApi(a.baseUrl, TOKEN, pki.ca.certPem);
        const provider = (await ours.providers(idp.clientId)).results[0] as unknown as Record<string, unknown>;
        assert.deepStrictEqual(shape(provider), shape(recorded("provider-oauth2.json")));
        assert.deepStrictEqual((provider.redirect_uris as object[]).map((r) => Object.keys(r)), [["matching_mode", "url"]]);
        assert.deepStrictEqual(shape(await ours.settings() as unknown as Record<string, unknown>), shape(recorded("admin-settings.json")));
        const version = await ours.version() as unknown as Record<string, unknown>;
        assert.deepStrictEqual(version, recorded("admin-version.json"));
        const b = await fakeApi();
        const p2026 = (await new AuthentikApi(b.baseUrl, TOKEN, pki.ca.certPem).providers(idp.clientId)).results[0];
        assert.deepStrictEqual(p2026.grant_types, ["authorization_code", "refresh_token"]);
        assert.deepStrictEqual(p2026.redirect_uris.map((r) => r.redirect_uri_type), ["authorization", "authorization"]);
        assert.strictEqual((await new AuthentikApi(b.baseUrl, TOKEN, pki.ca.certPem).version()).version_current, "2026.5.6");
    });

    it("an HTTP error is an AuthentikApiError with its status", async () => {
        const a = await fakeApi();
        await assert.rejects(new AuthentikApi(a.baseUrl, "wrong", pki.ca.certPem).settings(), (e: unknown) => e instanceof AuthentikApiError && e.status === 403);
    });
});
