// The few Authentik REST API (/api/v3) endpoints the doctor reads, on Node's own https (so
// --ca-file applies) instead of Authentik's generated client: `@goauthentik/api` is 59 MB and
// only a devDependency. Its types still check every request and response at compile time: the
// imports below are type-only (erased from the compiled doctor), the request parameters are the
// client's own `...Request` interfaces, and the answers are the client's models in the API's JSON
// spelling (`Wire<T>`: camelCase keys to snake_case, as the client's `...FromJSON` functions map
// them; tests/doctor/units.test.ts holds that rule against the real client's mappings and URLs).
import type {
    OAuth2Provider,
    PaginatedOAuth2ProviderList,
    PropertyMappingPreview,
    PropertymappingsProviderScopeRetrieveRequest,
    ProvidersOauth2ListRequest,
    ProvidersOauth2PreviewUserRetrieveRequest,
    ScopeMapping,
    Settings,
    Version,
} from "@goauthentik/api";
import { request, trustWith } from "./http";

/** `assignedApplicationSlug` -> `assigned_application_slug`: the generated client's key mapping. */
export type SnakeKey<S extends string> = S extends `${infer H}${infer T}`
    ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeKey<T>}`
    : S;

/** A model of the API client as the API sends it in JSON (snake_case keys, nested too). */
export type Wire<T> = T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends Date
        ? string
        : T extends object
            ? { -readonly [K in keyof T as K extends string ? SnakeKey<K> : K]: Wire<T[K]> }
            : T;

/** The runtime twin of SnakeKey (the tests compare it with the client's own mappings). */
export function snakeKey(key: string): string {
    return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** One GET of the API: the path under /api/v3 and its query. */
export interface ApiRequest {
    path: string;
    query: Record<string, string>;
}

/** The query parameters of a request interface, in the API's spelling. */
type Query<R> = Partial<Record<SnakeKey<Extract<keyof R, string>>, string>>;

/** GET /providers/oauth2/?client_id=... (the client's providersOauth2List). */
export function providersOauth2List(p: Pick<ProvidersOauth2ListRequest, "clientId">): ApiRequest {
    const query: Query<ProvidersOauth2ListRequest> = {};
    if (p.clientId !== undefined) {
        query.client_id = p.clientId;
    }
    return { path: "/providers/oauth2/", query };
}

/** GET /providers/oauth2/{id}/preview_user/ (the client's providersOauth2PreviewUserRetrieve). */
export function providersOauth2PreviewUserRetrieve(p: Pick<ProvidersOauth2PreviewUserRetrieveRequest, "id">): ApiRequest {
    return { path: `/providers/oauth2/${encodeURIComponent(String(p.id))}/preview_user/`, query: {} };
}

/** GET /propertymappings/provider/scope/{pm_uuid}/ (the client's propertymappingsProviderScopeRetrieve). */
export function propertymappingsProviderScopeRetrieve(p: PropertymappingsProviderScopeRetrieveRequest): ApiRequest {
    return { path: `/propertymappings/provider/scope/${encodeURIComponent(p.pmUuid)}/`, query: {} };
}

/** GET /admin/settings/ (the client's adminSettingsRetrieve): the system settings. */
export function adminSettingsRetrieve(): ApiRequest {
    return { path: "/admin/settings/", query: {} };
}

/** GET /admin/version/ (the client's adminVersionRetrieve): the running release, `version_current`. */
export function adminVersionRetrieve(): ApiRequest {
    return { path: "/admin/version/", query: {} };
}

/** The URL of a request under Authentik's base URL. */
export function urlOf(baseUrl: string, req: ApiRequest): string {
    const q = new URLSearchParams(req.query).toString();
    return `${baseUrl.replace(/\/+$/, "")}/api/v3${req.path}${q ? `?${q}` : ""}`;
}

/** An answer other than 2xx (`status`), or one that is not JSON (`status` 0 is never used). */
export class AuthentikApiError extends Error {
    constructor(readonly url: string, readonly status: number, message: string) {
        super(message);
    }
}

/** A read-only client for the endpoints above, with a bearer token and an optional private CA. */
export class AuthentikApi {
    constructor(private readonly baseUrl: string, private readonly token: string, private readonly caPem: string | undefined) {}

    /** One GET; rejects with AuthentikApiError on an HTTP error, or with the network error. */
    async get<T>(req: ApiRequest): Promise<Wire<T>> {
        const url = urlOf(this.baseUrl, req);
        const res = await request(url, { headers: { authorization: `Bearer ${this.token}`, accept: "application/json" }, ca: trustWith(this.caPem) });
        if (res.status < 200 || res.status > 299) {
            throw new AuthentikApiError(url, res.status, `${url} answered HTTP ${res.status}`);
        }
        try {
            return JSON.parse(res.body) as Wire<T>;
        } catch {
            throw new AuthentikApiError(url, res.status, `${url} did not answer with JSON`);
        }
    }

    providers(clientId: string): Promise<Wire<PaginatedOAuth2ProviderList>> {
        return this.get<PaginatedOAuth2ProviderList>(providersOauth2List({ clientId }));
    }

    previewUser(id: OAuth2Provider["pk"]): Promise<Wire<PropertyMappingPreview>> {
        return this.get<PropertyMappingPreview>(providersOauth2PreviewUserRetrieve({ id }));
    }

    scopeMapping(pmUuid: string): Promise<Wire<ScopeMapping>> {
        return this.get<ScopeMapping>(propertymappingsProviderScopeRetrieve({ pmUuid }));
    }

    settings(): Promise<Wire<Settings>> {
        return this.get<Settings>(adminSettingsRetrieve());
    }

    version(): Promise<Wire<Version>> {
        return this.get<Version>(adminVersionRetrieve());
    }
}
