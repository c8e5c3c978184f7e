// Pure settings of the Authentik side: defaults, scope names, validation and rendering. No
// resources here; components/authentik-oidc-app.ts wires them.
import {
    Problems,
    checkHttpsBaseUrl,
    checkNonEmpty,
    checkRedirectUri,
    checkSlug,
    known,
    knownList,
    show,
} from "../validation";
import { normalisedBaseUrl, showUrl } from "../validation";
import { AUTHENTIK_SINCE, AuthentikApiFields, authentikApiFields, checkAuthentikVersion } from "./versions";

/** Defaults of AuthentikOidcApp, in one place for the code, the docs and the tests. */
export const AUTHENTIK_DEFAULTS = {
    displayName: "Headlamp",
    icon: "https://raw.githubusercontent.com/kubernetes-sigs/headlamp/main/frontend/src/resources/logo-light.svg",
    authorizationFlow: "default-provider-authorization-explicit-consent",
    authenticationFlow: "default-authentication-flow",
    invalidationFlow: "default-provider-invalidation-flow",
    signingKeyName: "authentik Self-signed Certificate",
    accessCodeValidity: "minutes=1",
    accessTokenValidity: "minutes=30",
    refreshTokenValidity: "days=30",
    scopes: ["openid", "email", "profile", "offline_access"] as string[],
    grantTypes: ["authorization_code", "refresh_token"] as string[],
    emailVerified: true,
    createAccessGroups: false,
} as const;

/** The scopes Authentik ships managed mappings for, and their managed names. */
export const MANAGED_SCOPES: Readonly<Record<string, string>> = {
    openid: "goauthentik.io/providers/oauth2/scope-openid",
    email: "goauthentik.io/providers/oauth2/scope-email",
    profile: "goauthentik.io/providers/oauth2/scope-profile",
    offline_access: "goauthentik.io/providers/oauth2/scope-offline_access",
};

/**
 * The expression of the custom `email` scope mapping. Since authentik 2025.10 the managed mapping
 * says `email_verified: false`, and kube-apiserver then rejects a token whose username claim is
 * `email` ("oidc: email not verified"). Authentik only lets users log in with the address their
 * administrator gave them, so this mapping vouches for it.
 */
export const EMAIL_VERIFIED_EXPRESSION = [
    "# Managed by headlamp-sso: the managed email mapping returns email_verified False since",
    "# authentik 2025.10, which kube-apiserver rejects when the username claim is email.",
    "return {",
    '    "email": request.user.email,',
    '    "email_verified": True,',
    "}",
    "",
].join("\n");

/** Which scope mappings the provider gets: managed names to look up, and whether to add ours. */
export interface ScopePlan {
    /** Managed mapping names to look up, in scope order. */
    readonly managed: string[];
    /** True when the custom email mapping replaces the managed one. */
    readonly customEmail: boolean;
}

export function planScopes(scopes: readonly string[], emailVerified: boolean): ScopePlan {
    const customEmail = emailVerified && scopes.includes("email");
    const managed = scopes.filter((s) => !(customEmail && s === "email")).map((s) => MANAGED_SCOPES[s]);
    return { managed, customEmail };
}

/** One allowed redirect URI as the Terraform provider takes it (a map: its keys stay snake_case). */
export interface RedirectUriEntry {
    matching_mode: string;
    url: string;
    /** Only for Authentik 2026.5 and newer, whose API stores it. */
    redirect_uri_type?: string;
}

/**
 * Each allowed redirect URI, matched strictly. For Authentik 2026.5 and newer also
 * `redirect_uri_type: "authorization"`: that API stores it and the provider reads it back (with
 * that default), so an entry without it would differ on every update. Older releases drop the
 * key, so it is left out for them: what is sent is then what they read back.
 */
export function renderRedirectUris(uris: readonly string[], api: Pick<AuthentikApiFields, "redirectUriType"> = authentikApiFields(undefined)): RedirectUriEntry[] {
    return uris.map((url) => (api.redirectUriType ? { matching_mode: "strict", url, redirect_uri_type: "authorization" } : { matching_mode: "strict", url }));
}

/**
 * The provider's grant types for an Authentik release: the list (default authorization_code and
 * refresh_token) where the release restricts grant types (2026.5 and newer), else undefined, so
 * the field is left to the provider (optional and computed: it reads back `[]` with no diff).
 */
export function grantTypesFor(grantTypes: readonly string[] | undefined, api: Pick<AuthentikApiFields, "grantTypes">): string[] | undefined {
    return api.grantTypes ? [...(grantTypes ?? AUTHENTIK_DEFAULTS.grantTypes)] : undefined;
}

/** The application's icon URL for an Authentik release: 2025.10's API cannot set it (undefined). */
export function metaIconFor<T>(icon: T | undefined, api: Pick<AuthentikApiFields, "metaIcon">): T | string | undefined {
    return api.metaIcon ? (icon ?? AUTHENTIK_DEFAULTS.icon) : undefined;
}

/** kubelogin's loopback redirect URIs (its default port, and its fallback). */
export const KUBELOGIN_REDIRECT_URIS: readonly string[] = ["http://localhost:8000", "http://localhost:18000"];

/** `https://auth.example.com` + `headlamp` -> `https://auth.example.com/application/o/headlamp/`. */
export function issuerUrlFor(authentikUrl: string, slug: string): string {
    // Built on the parsed origin (lower-case ASCII host, no default port), as Authentik builds
    // `iss` from the request, not on the text as written.
    return `${normalisedBaseUrl(authentikUrl)}/application/o/${slug}/`;
}

/** The OpenID discovery document of an issuer (which ends in "/"). */
export function discoveryUrlFor(issuerUrl: string): string {
    return `${issuerUrl}.well-known/openid-configuration`;
}

const VALIDITY_UNIT = "(?:weeks|days|hours|minutes|seconds|milliseconds|microseconds)=\\d+(?:\\.\\d+)?";
/** Authentik's timedelta format: `hours=1;minutes=2;seconds=3`. */
export const VALIDITY_PATTERN = new RegExp(`^${VALIDITY_UNIT}(?:;${VALIDITY_UNIT})*$`);

/** The args as `validateAuthentikArgs` sees them (plain where known, undefined where an Output). */
export interface AuthentikArgsToCheck {
    authentikUrl?: unknown;
    slug?: unknown;
    displayName?: unknown;
    redirectUris?: unknown;
    launchUrl?: unknown;
    icon?: unknown;
    authorizationFlow?: string;
    authenticationFlow?: string;
    invalidationFlow?: string;
    signingKeyName?: string;
    clientId?: unknown;
    clientSecret?: unknown;
    accessCodeValidity?: string;
    accessTokenValidity?: string;
    refreshTokenValidity?: string;
    scopes?: string[];
    grantTypes?: string[];
    emailVerified?: boolean;
    accessGroups?: string[];
    createAccessGroups?: boolean;
    authentikVersion?: string;
}

/** Checks every arg of AuthentikOidcApp and returns all problems (none when the args are fine). */
export function validateAuthentikArgs(args: AuthentikArgsToCheck | undefined): Problems {
    const problems = new Problems();
    if (!args) {
        problems.add("args", "are required; give at least authentikUrl, slug and redirectUris.");
        return problems;
    }
    const url = known(args.authentikUrl as string | undefined);
    if (args.authentikUrl === undefined || args.authentikUrl === null) {
        problems.add("authentikUrl", 'is required; give the base URL of Authentik, e.g. "https://auth.example.com".');
    } else {
        checkHttpsBaseUrl(problems, "authentikUrl", url, "https://auth.example.com");
    }

    const slug = known(args.slug as string | undefined);
    if (args.slug === undefined || args.slug === null) {
        problems.add("slug", 'is required; give the application slug, e.g. "headlamp".');
    } else {
        checkSlug(problems, "slug", slug);
    }

    checkNonEmpty(problems, "displayName", known(args.displayName as string | undefined), 'give the name users see in Authentik, e.g. "Headlamp"');
    checkNonEmpty(problems, "clientId", known(args.clientId as string | undefined), "leave it unset to use the slug");
    const secret = known(args.clientSecret as string | undefined);
    if (secret !== undefined && secret.trim() === "") {
        // Never echo a secret: say only that it is empty.
        problems.add("clientSecret", "must not be empty; leave it unset to let Authentik generate one.");
    }

    const redirects = knownList<string>(args.redirectUris as string[] | undefined);
    if (args.redirectUris === undefined || args.redirectUris === null) {
        problems.add("redirectUris", 'is required; give Headlamp\'s callback, e.g. ["https://headlamp.example.com/oidc-callback"].');
    } else if (redirects !== undefined) {
        if (redirects.length === 0) {
            problems.add("redirectUris", 'must list at least one URI, e.g. ["https://headlamp.example.com/oidc-callback"].');
        }
        redirects.forEach((uri, i) => {
            if (uri !== undefined) {
                checkRedirectUri(problems, `redirectUris[${i}]`, uri);
            }
        });
    }

    for (const field of ["launchUrl", "icon"] as const) {
        const value = known(args[field] as string | undefined);
        if (value !== undefined) {
            let ok = false;
            try {
                ok = new URL(value).protocol === "https:";
            } catch {
                ok = false;
            }
            if (!ok) {
                problems.add(field, `${showUrl(value)} must be an absolute https URL.`);
            }
        }
    }

    for (const field of ["authorizationFlow", "authenticationFlow", "invalidationFlow"] as const) {
        checkSlug(problems, field, args[field]);
    }
    checkNonEmpty(problems, "signingKeyName", args.signingKeyName, `give the name of a certificate-key pair in Authentik, e.g. ${show(AUTHENTIK_DEFAULTS.signingKeyName)}; tokens must be RS256-signed for Kubernetes`);

    for (const field of ["accessCodeValidity", "accessTokenValidity", "refreshTokenValidity"] as const) {
        const value = args[field];
        if (value !== undefined && !VALIDITY_PATTERN.test(value)) {
            problems.add(field, `${show(value)} is not an Authentik duration; write e.g. "minutes=30" or "hours=1;minutes=30".`);
        }
    }

    if (args.scopes !== undefined) {
        if (args.scopes.length === 0) {
            problems.add("scopes", `must not be empty; the default is ${show(AUTHENTIK_DEFAULTS.scopes)}.`);
        } else {
            for (const scope of args.scopes) {
                if (!(scope in MANAGED_SCOPES)) {
                    problems.add("scopes", `${show(scope)} is not a scope Authentik provides; use some of ${show(Object.keys(MANAGED_SCOPES))}.`);
                }
            }
            if (!args.scopes.includes("openid")) {
                problems.add("scopes", 'must include "openid"; without it there is no ID token for Kubernetes to check.');
            }
            if (new Set(args.scopes).size !== args.scopes.length) {
                problems.add("scopes", `${show(args.scopes)} lists a scope twice; list each once.`);
            }
        }
    }

    if (args.grantTypes !== undefined) {
        checkGrantTypes(problems, args.grantTypes);
    }

    const beforeVersion = problems.list.length;
    checkAuthentikVersion(problems, "authentikVersion", args.authentikVersion);
    if (problems.list.length === beforeVersion && args.authentikVersion !== undefined) {
        const api = authentikApiFields(args.authentikVersion);
        // A field the release drops would be sent on every update and never stored.
        if (args.grantTypes !== undefined && !api.grantTypes) {
            problems.add("grantTypes", `is set, but Authentik ${args.authentikVersion} (authentikVersion) has no grant types on its providers: they arrived in ${AUTHENTIK_SINCE.grantTypes}, and older releases allow every grant and drop the list; remove grantTypes, or upgrade Authentik and set authentikVersion.`);
        }
        if (args.icon !== undefined && !api.metaIcon) {
            problems.add("icon", `is set, but Authentik ${args.authentikVersion} (authentikVersion) cannot set an application's icon URL through its API (meta_icon arrived in ${AUTHENTIK_SINCE.metaIcon}); remove icon and upload the icon in Authentik's admin interface, or upgrade Authentik.`);
        }
    }

    if (args.accessGroups !== undefined) {
        const seen = new Set<string>();
        args.accessGroups.forEach((group, i) => {
            checkNonEmpty(problems, `accessGroups[${i}]`, group, "give the name of an Authentik group, or remove the entry");
            if (seen.has(group)) {
                problems.add(`accessGroups[${i}]`, `${show(group)} is listed twice; list each group once.`);
            }
            seen.add(group);
        });
    }
    if (args.createAccessGroups === true && (args.accessGroups === undefined || args.accessGroups.length === 0)) {
        problems.add("createAccessGroups", "is true but accessGroups is empty; list the groups to create, or drop createAccessGroups.");
    }
    return problems;
}

/**
 * The provider's grant types: Authentik's token endpoint refuses a grant that is not listed (and a
 * provider with an empty list refuses every login). Headlamp and kubelogin both use the
 * authorization code flow, and refresh their tokens with `refresh_token`.
 */
function checkGrantTypes(problems: Problems, grantTypes: unknown): void {
    if (!Array.isArray(grantTypes)) {
        problems.add("grantTypes", `must be a list of grant types, e.g. ${show(AUTHENTIK_DEFAULTS.grantTypes)}.`);
        return;
    }
    if (grantTypes.length === 0) {
        problems.add("grantTypes", `must not be empty: Authentik then refuses every login; use ${show(AUTHENTIK_DEFAULTS.grantTypes)}.`);
        return;
    }
    grantTypes.forEach((grant: unknown, i) => {
        if (typeof grant !== "string" || !/^[A-Za-z0-9_:.-]+$/.test(grant)) {
            problems.add(`grantTypes[${i}]`, `${show(grant)} is not a grant type name (e.g. "authorization_code", "refresh_token").`);
        }
    });
    if (!grantTypes.includes("authorization_code")) {
        problems.add("grantTypes", `${show(grantTypes)} lacks "authorization_code", the flow Headlamp and kubelogin log in with; add it.`);
    }
    if (new Set(grantTypes).size !== grantTypes.length) {
        problems.add("grantTypes", `${show(grantTypes)} lists a grant type twice; list each once.`);
    }
}
