// What the Terraform provider goauthentik/authentik 2026.5.0 sends to Authentik's API for the
// inputs AuthentikOidcApp gives its resources: the JSON body of each create (POST) and update
// (PUT). Pure. Modelled on the requests a real provider sent to a real Authentik 2025.12.4
// (tests/fixtures/authentik-2025.12.4/terraform/), and held against them by the tests, with the
// per-release field lists: a key that a release does not have is dropped by it and read back
// missing, which is a diff on every `pulumi up`.

/** The inputs of a ProviderOauth2 as the component passes them (resolved; Terraform names in camelCase). */
export interface ProviderOauth2Inputs {
    name: string;
    clientId: string;
    clientSecret?: string;
    clientType: string;
    authorizationFlow: string;
    authenticationFlow?: string;
    invalidationFlow: string;
    allowedRedirectUris: Record<string, string>[];
    grantTypes?: string[];
    signingKey?: string;
    propertyMappings: string[];
    issuerMode: string;
    includeClaimsInIdToken: boolean;
    accessCodeValidity: string;
    accessTokenValidity: string;
    refreshTokenValidity: string;
}

/** The inputs of an Application as the component passes them (resolved). */
export interface ApplicationInputs {
    name: string;
    slug: string;
    protocolProvider: number;
    metaLaunchUrl?: string;
    metaIcon?: string;
    policyEngineMode: string;
}

/** The inputs of the component's email PropertyMappingProviderScope. */
export interface ScopeMappingInputs {
    name: string;
    scopeName: string;
    description: string;
    expression: string;
}

/** The inputs of an access PolicyBinding. */
export interface PolicyBindingInputs {
    target: string;
    group: string;
    order: number;
}

/**
 * Keys the provider sends on every OAuth2 provider request whatever the inputs: its schema
 * defaults for attributes the component leaves unset (all of them exist in every supported
 * release's API).
 */
export const PROVIDER_OAUTH2_FILLED_IN = {
    encryption_key: null,
    jwt_federation_providers: [],
    jwt_federation_sources: [],
    logout_method: "backchannel",
    refresh_token_threshold: "seconds=0",
    sub_mode: "hashed_user_id",
} as const;

/**
 * Keys the provider sends on every application request whatever the inputs. `meta_hide` exists
 * only in Authentik 2026.5 and newer, and no input leaves it out (the provider's schema default):
 * older releases drop it, and the provider's read-back keeps its default, so it shows no diff
 * (a real 2025.12.4's no-op `pulumi up` listed only the provider's two fields).
 */
export const APPLICATION_FILLED_IN = {
    backchannel_providers: [],
    meta_hide: false,
    open_in_new_tab: false,
} as const;

/** Keys the provider adds on its own that a release may not have (each one argued above). */
export const FILLED_IN_WITHOUT_DIFF: readonly string[] = ["meta_hide"];

/** Keys sorted, as Go's encoding/json writes a map (the provider's bodies come out sorted). */
function sorted(body: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.keys(body).sort().map((k) => [k, body[k]]));
}

/** Drops the keys whose value is undefined (an unset optional input is not sent). */
function defined(body: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/**
 * The body of `POST /api/v3/providers/oauth2/` (create) or `PUT .../<pk>/` (update). On create
 * without a `clientSecret` the provider sends none (Authentik generates it); on update it sends
 * back the one it read.
 */
export function providerOauth2Request(i: ProviderOauth2Inputs, clientSecretOnUpdate?: string): Record<string, unknown> {
    return sorted(defined({
        ...PROVIDER_OAUTH2_FILLED_IN,
        access_code_validity: i.accessCodeValidity,
        access_token_validity: i.accessTokenValidity,
        authentication_flow: i.authenticationFlow,
        authorization_flow: i.authorizationFlow,
        client_id: i.clientId,
        client_secret: i.clientSecret ?? clientSecretOnUpdate,
        client_type: i.clientType,
        grant_types: i.grantTypes,
        include_claims_in_id_token: i.includeClaimsInIdToken,
        invalidation_flow: i.invalidationFlow,
        issuer_mode: i.issuerMode,
        name: i.name,
        property_mappings: i.propertyMappings,
        redirect_uris: i.allowedRedirectUris.map((r) => sorted({ ...r })),
        refresh_token_validity: i.refreshTokenValidity,
        signing_key: i.signingKey,
    }));
}

/** The body of `POST /api/v3/core/applications/`. */
export function applicationRequest(i: ApplicationInputs): Record<string, unknown> {
    return sorted(defined({
        ...APPLICATION_FILLED_IN,
        meta_icon: i.metaIcon,
        meta_launch_url: i.metaLaunchUrl,
        name: i.name,
        policy_engine_mode: i.policyEngineMode,
        provider: i.protocolProvider,
        slug: i.slug,
    }));
}

/** The body of `POST /api/v3/propertymappings/provider/scope/`. */
export function scopeMappingRequest(i: ScopeMappingInputs): Record<string, unknown> {
    return sorted({ description: i.description, expression: i.expression, name: i.name, scope_name: i.scopeName });
}

/** The body of `POST /api/v3/policies/bindings/` (a group binding). */
export function policyBindingRequest(i: PolicyBindingInputs): Record<string, unknown> {
    return sorted({ enabled: true, failure_result: false, group: i.group, negate: false, order: i.order, policy: null, target: i.target, timeout: 30, user: null });
}
