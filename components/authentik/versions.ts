// The Authentik releases this project supports, and which of the fields AuthentikOidcApp could
// send each release's API stores. Pure: no resources, no I/O.
//
// Why it matters: Authentik's API accepts a field it does not know and drops it silently (a real
// 2025.12.4 answered 201 to a POST with `grant_types`, and left it out of the answer). The
// Terraform provider then reads the object back without that field, so the field it was given
// differs from what it read, and every `pulumi up` shows an update that changes nothing. So a field
// is sent only to a release whose API has it. The fields arrived separately (a 2026.5.0-rc1 stores
// `redirect_uri_type` but has no `grant_types`), so each field has its own first release.
import { Problems, show } from "../validation";

/** The oldest Authentik release the component supports (the managed email mapping's change, see settings.ts). */
export const AUTHENTIK_MIN_VERSION = "2025.10";
/** The newest Authentik release the project is checked against. */
export const AUTHENTIK_NEWEST_VERSION = "2026.8";

/**
 * The first Authentik release whose API stores each field (from each release's OpenAPI schema,
 * tests/fixtures/authentik-2025.12.4/fields-by-version.json), or, for `trustedProxies`, changes
 * behaviour.
 */
export const AUTHENTIK_SINCE = {
    /** OAuth2 provider `grant_types`; the token endpoint refuses a grant that is not listed. */
    grantTypes: "2026.5",
    /** `redirect_uri_type` (`authorization` or `logout`) on each allowed redirect URI. */
    redirectUriType: "2026.5",
    /** Application `meta_icon` in a create/update request (2025.10 sets it only by upload). */
    metaIcon: "2025.12",
    /**
     * Application `meta_hide`. Not set by the component: the Terraform provider 2026.5.0 sends
     * `false` (its schema default) to every release, and older ones ignore it without a diff (its
     * read-back leaves the default in place; seen against a real 2025.12.4).
     */
    metaHide: "2026.5",
    /** `X-Forwarded-Proto/Host/For` are honoured only from `AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS`. */
    trustedProxies: "2026.8",
} as const;

/** The release AuthentikOidcApp assumes when `authentikVersion` is not set (what it always assumed before). */
export const AUTHENTIK_ASSUMED_VERSION = "2026.5";

/** A release number: `2025.12` or `2025.12.4`. */
export interface AuthentikVersion {
    year: number;
    month: number;
    /** The patch release, when given. */
    patch?: number;
}

const VERSION_PATTERN = /^(\d{4})\.(\d{1,2})(?:\.(\d{1,3}))?$/;

/** `2025.12.4` -> {2025, 12, 4}; undefined when it is not `YYYY.M` or `YYYY.M.P` with a month 1-12. */
export function parseAuthentikVersion(text: string): AuthentikVersion | undefined {
    const m = VERSION_PATTERN.exec(text);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) {
        return undefined;
    }
    return { year: Number(m[1]), month: Number(m[2]), ...(m[3] !== undefined ? { patch: Number(m[3]) } : {}) };
}

/** Orders two releases by year, then month (the patch does not change which fields exist). */
export function compareReleases(a: AuthentikVersion, b: AuthentikVersion): number {
    return a.year !== b.year ? a.year - b.year : a.month - b.month;
}

function release(text: string): AuthentikVersion {
    return parseAuthentikVersion(text)!;
}

/** Whether `version` is at least the release `since` (`YYYY.M`). */
export function hasSince(version: AuthentikVersion, since: string): boolean {
    return compareReleases(version, release(since)) >= 0;
}

/** What one Authentik release's API stores of what AuthentikOidcApp could send. */
export interface AuthentikApiFields {
    /** The release these were decided for, as written (`2025.12`), or the assumed one. */
    readonly version: string;
    /** False when `authentikVersion` was not given and the release was assumed. */
    readonly known: boolean;
    /** The provider stores `grant_types`, and its token endpoint refuses a grant not listed. */
    readonly grantTypes: boolean;
    /** Each redirect URI stores `redirect_uri_type`. */
    readonly redirectUriType: boolean;
    /** An application's icon URL can be set with `meta_icon`. */
    readonly metaIcon: boolean;
    /** X-Forwarded-* headers count only from trusted proxy networks. */
    readonly trustedProxies: boolean;
}

/** The fields of a release (`authentikVersion`, already checked), or of the assumed release when it is not given. */
export function authentikApiFields(version: string | undefined): AuthentikApiFields {
    const text = version ?? AUTHENTIK_ASSUMED_VERSION;
    const v = parseAuthentikVersion(text) ?? release(AUTHENTIK_ASSUMED_VERSION);
    return {
        version: text,
        known: version !== undefined,
        grantTypes: hasSince(v, AUTHENTIK_SINCE.grantTypes),
        redirectUriType: hasSince(v, AUTHENTIK_SINCE.redirectUriType),
        metaIcon: hasSince(v, AUTHENTIK_SINCE.metaIcon),
        trustedProxies: hasSince(v, AUTHENTIK_SINCE.trustedProxies),
    };
}

/** Where a version stands against the supported range. */
export const VERSION_SUPPORT = { supported: "supported", tooOld: "too-old", newer: "newer" } as const;
export type VersionSupport = (typeof VERSION_SUPPORT)[keyof typeof VERSION_SUPPORT];

/** Whether a release is supported, older than the oldest, or newer than the newest checked. */
export function versionSupport(version: AuthentikVersion): VersionSupport {
    if (compareReleases(version, release(AUTHENTIK_MIN_VERSION)) < 0) {
        return VERSION_SUPPORT.tooOld;
    }
    return compareReleases(version, release(AUTHENTIK_NEWEST_VERSION)) > 0 ? VERSION_SUPPORT.newer : VERSION_SUPPORT.supported;
}

/** Checks an `authentikVersion` value: the format, and not older than the oldest supported release. */
export function checkAuthentikVersion(problems: Problems, field: string, value: unknown): void {
    if (value === undefined) {
        return;
    }
    const v = typeof value === "string" ? parseAuthentikVersion(value) : undefined;
    if (v === undefined) {
        problems.add(field, `${show(value)} is not an Authentik release; write it as YYYY.M or YYYY.M.P, e.g. "2025.12" or "2026.5.2" (Admin interface > System > About, or GET /api/v3/admin/version/).`);
        return;
    }
    if (v.month === 1) {
        // YAML reads an unquoted 2025.10 as the number 2025.1; Authentik has no January release.
        problems.add(field, `${show(value)} is not an Authentik release (they come out in even months); if you meant "${v.year}.10", quote it: YAML reads an unquoted ${v.year}.10 as the number ${v.year}.1.`);
        return;
    }
    if (versionSupport(v) === VERSION_SUPPORT.tooOld) {
        problems.add(field, `${show(value)} is older than Authentik ${AUTHENTIK_MIN_VERSION}, the oldest release headlamp-sso supports (its managed email mapping and flows differ); upgrade Authentik to ${AUTHENTIK_MIN_VERSION} or newer.`);
    }
}

/** Logged when `authentikVersion` is not given. */
export function unsetVersionWarning(field: string): string {
    return `${field} is not set, so Authentik ${AUTHENTIK_ASSUMED_VERSION} or newer is assumed: the OAuth2 provider is sent grant_types and each redirect URI redirect_uri_type. `
        + `Authentik ${AUTHENTIK_MIN_VERSION} to 2026.2 drop both, and every pulumi up then shows an update of the provider. Set ${field} to your Authentik's release (e.g. "2025.12"; the doctor prints it).`;
}

/** Logged when `authentikVersion` is newer than the newest release the project is checked against. */
export function newerVersionWarning(field: string, version: string): string {
    return `${field} ${show(version)} is newer than Authentik ${AUTHENTIK_NEWEST_VERSION}, the newest release headlamp-sso is checked against; it is treated like ${AUTHENTIK_NEWEST_VERSION}. Check the release notes for changes to OAuth2 providers.`;
}
