// Checks 2: the Authentik provider, read from Authentik's API (cli/authentik-api.ts, typed by
// Authentik's own API client) with AUTHENTIK_TOKEN. The provider for the client id exists,
// belongs to the issuer's application, has a signing key (else HS256), allows Headlamp's and
// kubelogin's redirect URIs, puts the boolean email_verified true and groups into the ID token
// (and, with the email as username, users may not change their email), and allows the
// authorization_code and refresh_token grants.
import { AUTHENTIK_DEFAULTS, KUBELOGIN_REDIRECT_URIS, MANAGED_SCOPES, issuerUrlFor } from "../components/authentik/settings";
import { AUTHENTIK_TERRAFORM_PROVIDER } from "../components/authentik/terraform-provider";
import { AUTHENTIK_MIN_VERSION, AUTHENTIK_NEWEST_VERSION, AUTHENTIK_SINCE, VERSION_SUPPORT, authentikApiFields, parseAuthentikVersion, versionSupport } from "../components/authentik/versions";
import { defaultCallbackUrl } from "../components/headlamp/settings";
import { AllowedRedirect, Check, DoctorInputs, Facts } from "./context";
import { AuthentikApi, AuthentikApiError } from "./authentik-api";
import { explainNetworkError } from "./http";
import { Outcome, fail, pass } from "./report";
import { EMAIL_VERIFIED_BOOLEAN_FIX, emailVerifiedNotBoolean } from "./token";

/** The grant types Headlamp and kubelogin use: what AuthentikOidcApp pins by default. */
export const NEEDED_GRANTS: readonly string[] = AUTHENTIK_DEFAULTS.grantTypes;

/**
 * Whether Authentik lets a login redirect to `uri`: an authorization-type entry that equals it
 * (strict) or fully matches it (regex, Python's `re.fullmatch`), as its authorize view decides.
 */
export function redirectAllowed(uri: string, allowed: readonly AllowedRedirect[]): boolean {
    return allowed.some((a) => {
        if ((a.redirectUriType ?? "authorization") !== "authorization") {
            return false;
        }
        if (a.matchingMode === "regex") {
            try {
                return new RegExp(`^(?:${a.url})$`).test(uri);
            } catch {
                return false;
            }
        }
        return a.url === uri;
    });
}

/** Authentik's base URL from a per-provider issuer: `https://auth/application/o/x/` -> `https://auth`. */
export function authentikBaseOf(issuer: string): string | undefined {
    const i = issuer.indexOf("/application/o/");
    return i > 0 ? issuer.slice(0, i) : undefined;
}

/** Headlamp's callback for a Headlamp URL, as HeadlampRelease sets it. */
export function callbackFor(headlampUrl: string): string {
    return defaultCallbackUrl(new URL(headlampUrl).host);
}

/** The provider's settings the checks judge (the API client's model, reduced). */
export interface ProviderView {
    pk: number;
    name: string;
    signingKey?: string | null;
    assignedApplicationSlug: string | null;
    redirectUris: AllowedRedirect[];
    grantTypes?: string[];
    /** The scope mappings attached: their managed name (or null) and scope. */
    mappings: { name: string; managed?: string | null; scopeName: string }[];
}

/**
 * The provider itself (that it exists is decided by the caller): it belongs to the issuer's
 * application (the issuer is `<authentik>/application/o/<application slug>/`) and has a signing key.
 */
export function judgeProvider(p: ProviderView, issuer: string | undefined): Outcome {
    if (!p.assignedApplicationSlug) {
        return fail(`provider ${JSON.stringify(p.name)} is not assigned to any application, so it has no issuer.`, "Run pulumi up (AuthentikOidcApp creates the application), or assign the provider to an application in Authentik.");
    }
    const base = issuer === undefined ? undefined : authentikBaseOf(issuer);
    if (issuer !== undefined && base !== undefined && issuerUrlFor(base, p.assignedApplicationSlug) !== issuer.replace(/\/?$/, "/")) {
        const expected = issuerUrlFor(base, p.assignedApplicationSlug);
        return fail(`provider ${JSON.stringify(p.name)} with this client id belongs to application ${JSON.stringify(p.assignedApplicationSlug)}, whose issuer is ${JSON.stringify(expected)}, not the configured ${JSON.stringify(issuer)}.`, `Configure ${JSON.stringify(expected)} as the issuer, or check the client id.`);
    }
    if (!p.signingKey) {
        return fail(`provider ${JSON.stringify(p.name)} has no signing key, so Authentik signs ID tokens with HS256 and the client secret; kube-apiserver rejects them.`, "Set the stack's signingKeyName (default \"authentik Self-signed Certificate\") and run pulumi up, or pick a signing key on the provider in Authentik.");
    }
    return pass(`provider ${JSON.stringify(p.name)} (pk ${p.pk}) of application ${JSON.stringify(p.assignedApplicationSlug)}, with a signing key.`);
}

/** The redirect URIs: Headlamp's callback and (when kubectl logins are used) kubelogin's. */
export function judgeRedirects(p: ProviderView, headlampUrl: string | undefined, kubectl: boolean): Outcome {
    const missing: string[] = [];
    if (headlampUrl) {
        const cb = callbackFor(headlampUrl);
        if (!redirectAllowed(cb, p.redirectUris)) {
            missing.push(cb);
        }
    }
    if (kubectl && !KUBELOGIN_REDIRECT_URIS.some((u) => redirectAllowed(u, p.redirectUris))) {
        missing.push(KUBELOGIN_REDIRECT_URIS[0]);
    }
    const allowed = p.redirectUris.map((r) => `${r.url}${r.matchingMode === "regex" ? " (regex)" : ""}`);
    if (missing.length > 0) {
        return fail(
            `the provider does not allow ${missing.map((m) => JSON.stringify(m)).join(" and ")}; it allows ${JSON.stringify(allowed)}.`,
            "Run pulumi up with the stack's headlampHost (and kubectlAccess: true for kubelogin), or add the URI with matching mode strict to the provider in Authentik; pass --no-kubectl if you do not log in with kubectl.",
        );
    }
    return pass(`allows ${JSON.stringify(allowed)}.`);
}

/** The fix when users may change their own email while the email is the Kubernetes username. */
export const CHANGE_EMAIL_FIX = "Turn off \"Allow users to change email\" in Authentik (Admin interface > System > Settings; default_user_change_email), or use a username claim users cannot set themselves; bind groups (adminGroups/viewerGroups) rather than emails, and limit who may log in with accessGroups.";

/**
 * The claims the ID token will carry: from Authentik's preview of the provider for the API
 * token's user when the API allowed it, else from which scope mappings are attached; and, with
 * the email as the username, whether Authentik's system settings let users change their email.
 */
export function judgePreview(p: ProviderView, preview: Record<string, unknown> | undefined, usernameClaim: string, groupsClaim: string, settings: SystemSettingsView = {}): Outcome {
    const email = p.mappings.find((m) => m.scopeName === "email");
    const managedEmail = email?.managed === MANAGED_SCOPES.email;
    const mappingName = email ? (email.managed ? `the managed mapping ${JSON.stringify(email.managed)}` : `the mapping ${JSON.stringify(email.name)}`) : "no mapping";
    const notBoolean = usernameClaim === "email" && preview ? emailVerifiedNotBoolean(preview) : undefined;
    if (notBoolean !== undefined) {
        return fail(`ID tokens say email_verified ${notBoolean} (email scope from ${mappingName}).`, EMAIL_VERIFIED_BOOLEAN_FIX);
    }
    if (usernameClaim === "email" && (preview ? preview.email_verified === false : managedEmail)) {
        const which = managedEmail
            ? `the managed mapping ${JSON.stringify(email.managed)}, which says email_verified False since Authentik 2025.10`
            : `the mapping ${JSON.stringify(email?.name ?? "?")}`;
        return fail(
            `ID tokens say email_verified false (email scope from ${which}); with usernameClaim email kube-apiserver rejects them.`,
            "Set emailVerified: true in the stack config (the default) and run pulumi up, which attaches an email mapping returning email_verified True, or use a username claim other than email.",
        );
    }
    const hasProfile = p.mappings.some((m) => m.scopeName === "profile");
    if (preview ? !Array.isArray(preview[groupsClaim]) : !hasProfile) {
        return fail(
            `ID tokens have no ${JSON.stringify(groupsClaim)} claim${hasProfile ? "" : ": the profile scope mapping, which carries groups, is not attached"}.`,
            "Attach the profile scope mapping (goauthentik.io/providers/oauth2/scope-profile) to the provider: run pulumi up with profile in the scopes.",
        );
    }
    if (usernameClaim === "email" && settings.userChangeEmail === true) {
        return fail(
            "Authentik lets users change their own email (system setting \"Allow users to change email\", default_user_change_email true) while the API server takes the email as the Kubernetes username, and the email mapping vouches email_verified true: a user who sets another user's address becomes that Kubernetes user.",
            CHANGE_EMAIL_FIX,
        );
    }
    const settingsNote = usernameClaim !== "email"
        ? ""
        : settings.unreadable !== undefined
            ? `; the system settings could not be read (${settings.unreadable}: the API token's user may not view system settings), so whether users may change their email was not checked`
            : settings.userChangeEmail === false ? "; users may not change their email" : "";
    if (!preview) {
        return pass(`email mapping ${JSON.stringify(email?.name ?? null)} and the profile mapping are attached (the API token may not preview tokens, so the claims themselves were not seen)${settingsNote}.`);
    }
    return pass(`${usernameClaim} ${JSON.stringify(preview[usernameClaim] ?? null)}, email_verified ${JSON.stringify(preview.email_verified ?? null)}, ${groupsClaim} ${JSON.stringify(preview[groupsClaim])} (preview for the API token's user)${settingsNote}.`);
}

/**
 * The grant types. Authentik 2026.5 and newer list them on the provider and refuse a grant not
 * listed; older releases have no such list and allow every grant. `version` is the release the API
 * reported (undefined when it could not be read: then the provider's answer speaks alone).
 */
export function judgeGrants(p: ProviderView, version?: string): Outcome {
    const known = version !== undefined && parseAuthentikVersion(version) !== undefined;
    const restricts = known ? authentikApiFields(version).grantTypes : p.grantTypes !== undefined;
    if (!restricts) {
        return pass(known
            ? `Authentik ${version} does not restrict grant types (providers have a grant type list since ${AUTHENTIK_SINCE.grantTypes}): the token endpoint takes authorization_code and refresh_token.`
            : "this Authentik does not restrict grant types (no grant type list on the provider: before 2026.5).");
    }
    const listed = p.grantTypes ?? [];
    const missing = NEEDED_GRANTS.filter((g) => !listed.includes(g));
    if (missing.length > 0) {
        const fix = `Add ${missing.join(" and ")} to the provider's grant types in Authentik, or run pulumi up with authentikVersion set to ${version ?? "your Authentik's release"}: AuthentikOidcApp then sets its grantTypes through the Terraform provider ${AUTHENTIK_TERRAFORM_PROVIDER.source} ${AUTHENTIK_TERRAFORM_PROVIDER.version}.`;
        return listed.length === 0
            ? fail(`${known ? `Authentik ${version}` : "this Authentik"} restricts grant types and the provider lists none, so its token endpoint refuses every login.`, fix)
            : fail(`the provider does not allow the ${missing.join(" and ")} grant (it allows ${JSON.stringify(listed)}); the token endpoint refuses it.`, fix);
    }
    return pass(`${known ? `Authentik ${version} restricts grant types; the provider ` : ""}allows ${JSON.stringify(listed)}.`);
}

/** What differs between what a stack configured for `configured` sends and what `running` stores. */
function versionMismatch(configured: string | undefined, running: string): string[] {
    const sent = authentikApiFields(configured);
    const has = authentikApiFields(running);
    const out: string[] = [];
    for (const [field, label] of [["grantTypes", "grant_types"], ["redirectUriType", "redirect_uri_type"], ["metaIcon", "the application's meta_icon"]] as const) {
        if (sent[field] && !has[field]) {
            out.push(`${label} is sent and dropped (every pulumi up shows an update)`);
        } else if (!sent[field] && has[field]) {
            out.push(field === "grantTypes" ? `${label} is not sent, so grant types are not restricted` : `${label} is not sent (every pulumi up shows an update)`);
        }
    }
    return out;
}

/**
 * The release Authentik reports: inside the supported range, and, when the stack (or
 * --authentik-version) says which release it is configured for, one that stores the same fields.
 */
export function judgeVersion(current: string, configured: DoctorInputs["configuredVersion"]): Outcome {
    const v = parseAuthentikVersion(current);
    const range = `${AUTHENTIK_MIN_VERSION} to ${AUTHENTIK_NEWEST_VERSION}`;
    if (v === undefined) {
        return fail(`Authentik reports version ${JSON.stringify(current)}, which is not a release number (YYYY.M.P).`, `Check --authentik-url (Authentik's base URL); headlamp-sso supports Authentik ${range}.`);
    }
    const support = versionSupport(v);
    if (support === VERSION_SUPPORT.tooOld) {
        return fail(`Authentik ${current} is older than ${AUTHENTIK_MIN_VERSION}, the oldest release headlamp-sso supports (${range}).`, `Upgrade Authentik to ${AUTHENTIK_MIN_VERSION} or newer, then set authentikVersion to the new release and run pulumi up.`);
    }
    if (support === VERSION_SUPPORT.newer) {
        return fail(`Authentik ${current} is newer than ${AUTHENTIK_NEWEST_VERSION}, the newest release headlamp-sso is checked against (${range}).`, `Check Authentik's release notes for changes to OAuth2 providers and applications; docs/deploy.md's "Authentik versions" table says what each checked release stores. The component treats it like ${AUTHENTIK_NEWEST_VERSION}.`);
    }
    const restricts = authentikApiFields(current).grantTypes ? "restricts grant types" : "does not restrict grant types";
    const set = `pulumi config set authentikVersion ${current} and run pulumi up`;
    if (configured !== undefined && configured.value !== undefined) {
        const diff = versionMismatch(configured.value, current);
        if (diff.length > 0) {
            return fail(`Authentik ${current} runs, but ${configured.from} says ${configured.value}: ${diff.join("; ")}.`, configured.from === "--authentik-version" ? `Give --authentik-version ${current}, and set the stack's authentikVersion to it too (${set}).` : `Run ${set}.`);
        }
        return pass(`Authentik ${current} (supported: ${range}); it ${restricts}; ${configured.from} says ${configured.value}, which sends the fields it stores.`);
    }
    if (configured !== undefined) {
        const diff = versionMismatch(undefined, current);
        if (diff.length > 0) {
            return fail(`Authentik ${current} runs, and the stack has no authentikVersion, so the component assumes 2026.5: ${diff.join("; ")}.`, `Run ${set}.`);
        }
        return pass(`Authentik ${current} (supported: ${range}); it ${restricts}. The stack has no authentikVersion; set it (${set}) to stop the warning.`);
    }
    return pass(`Authentik ${current} (supported: ${range}); it ${restricts}. Set the stack's authentikVersion to ${current}.`);
}

/** Authentik's system settings the checks judge, or why they could not be read. */
export interface SystemSettingsView {
    /** "Allow users to change email" (default_user_change_email); undefined when unreadable. */
    userChangeEmail?: boolean;
    /** Why the settings could not be read (e.g. the token's user may not view system settings). */
    unreadable?: string;
}

/** Reads the provider for `clientId`, its scope mappings, the token preview and the system settings. */
export async function readProvider(baseUrl: string, token: string, clientId: string, ca: string | undefined): Promise<{ provider?: ProviderView; preview?: Record<string, unknown>; settings?: SystemSettingsView }> {
    const api = new AuthentikApi(baseUrl, token, ca);
    const list = await api.providers(clientId);
    const found = list.results.find((r) => r.client_id === clientId);
    if (!found) {
        return {};
    }
    const mappings = await Promise.all((found.property_mappings ?? []).map(async (pmUuid) => {
        try {
            const m = await api.scopeMapping(pmUuid);
            // null and absent alike, as the generated client reads them.
            return { name: m.name, managed: m.managed ?? undefined, scopeName: m.scope_name };
        } catch {
            return undefined;
        }
    }));
    // The preview and the system settings need permissions a read-only token may lack; the
    // mappings then speak alone, and the settings are reported as not read.
    const preview = await api.previewUser(found.pk).then((r) => r.preview as Record<string, unknown>, () => undefined);
    const settings = await api.settings().then(
        (r): SystemSettingsView => ({ userChangeEmail: r.default_user_change_email }),
        (err: unknown): SystemSettingsView => ({ unreadable: err instanceof AuthentikApiError ? `HTTP ${err.status}` : (err as Error).message }),
    );
    return {
        provider: {
            pk: found.pk,
            name: found.name,
            signingKey: found.signing_key ?? undefined,
            assignedApplicationSlug: found.assigned_application_slug,
            redirectUris: found.redirect_uris.map((r) => ({ matchingMode: String(r.matching_mode), url: r.url, redirectUriType: r.redirect_uri_type === undefined ? undefined : String(r.redirect_uri_type) })),
            grantTypes: found.grant_types?.map(String),
            mappings: mappings.filter((m): m is NonNullable<typeof m> => m !== undefined),
        },
        preview,
        settings,
    };
}

/** Turns an API error into a cause and a fix. */
export function explainApiError(err: unknown, baseUrl: string): Outcome {
    if (err instanceof AuthentikApiError) {
        if (err.status === 401 || err.status === 403) {
            return fail(`Authentik's API at ${baseUrl} refused AUTHENTIK_TOKEN (HTTP ${err.status}).`, "Use an API token (intent API) of a user who may view OAuth2 providers and property mappings.");
        }
        if (err.status >= 200 && err.status <= 299) {
            return fail(`Authentik's API at ${baseUrl} did not answer with JSON.`, "Check --authentik-url: it is Authentik's base URL, without /api/v3 (a proxy's page answered?).");
        }
        return fail(`Authentik's API at ${baseUrl} answered HTTP ${err.status}.`, "Check --authentik-url: it is Authentik's base URL, without /api/v3.");
    }
    const why = explainNetworkError(err, baseUrl, "Pass the private CA that signed Authentik's certificate with --ca-file.");
    return fail(`Authentik's API: ${why.detail}`, why.fix);
}

/** The provider read once for the four provider checks. */
interface ProviderRead {
    outcome?: Outcome;
    provider?: ProviderView;
    preview?: Record<string, unknown>;
    settings?: SystemSettingsView;
    base: string;
}

const reads = new WeakMap<Facts, Promise<ProviderRead>>();

function providerOf(inputs: DoctorInputs, facts: Facts): Promise<ProviderRead> {
    let read = reads.get(facts);
    if (!read) {
        const base = authentikBase(inputs)!;
        read = readProvider(base, inputs.authentikToken!, inputs.clientId!, inputs.caPem).then(
            (r) => r.provider
                ? { ...r, base }
                : { base, outcome: fail(`Authentik has no OAuth2 provider with client id ${JSON.stringify(inputs.clientId)}.`, "Check --client-id (the stack's clientId output), or run pulumi up to create the provider.") },
            (err: unknown) => ({ base, outcome: explainApiError(err, base) }),
        );
        reads.set(facts, read);
    }
    return read;
}

/** The Authentik API's base URL: --authentik-url, else the issuer's origin. */
function authentikBase(inputs: DoctorInputs): string | undefined {
    return inputs.authentikUrl ?? authentikBaseOf(inputs.issuer ?? "");
}

function missingForProvider(inputs: DoctorInputs): string | undefined {
    if (!inputs.clientId && inputs.authentikToken) {
        return "no client id (give --client-id).";
    }
    return missingForApi(inputs);
}

/** Why the Authentik API cannot be read with these inputs. */
function missingForApi(inputs: DoctorInputs): string | undefined {
    if (!inputs.authentikToken) {
        return "no AUTHENTIK_TOKEN in the environment (an Authentik API token lets the doctor read the provider's settings).";
    }
    const base = authentikBase(inputs);
    if (!base) {
        return "no Authentik URL (give --authentik-url, or an issuer of the form https://<authentik>/application/o/<slug>/).";
    }
    if (!base.startsWith("https://")) {
        return `the Authentik URL ${JSON.stringify(base)} is not https, and the API token is never sent in clear text (give an https --authentik-url).`;
    }
    return undefined;
}

/**
 * The release Authentik reports. After the provider check: when that one failed (a refused token,
 * no such provider) this one is skipped rather than failing again; it runs without a client id.
 */
export const versionCheck: Check = {
    name: "authentik-version",
    needs: [],
    after: ["issuer", "signing", "provider"],
    missing: missingForApi,
    async run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        const base = authentikBase(inputs)!;
        let current: string;
        try {
            current = (await new AuthentikApi(base, inputs.authentikToken!, inputs.caPem).version()).version_current;
        } catch (err) {
            return explainApiError(err, base);
        }
        facts.authentikVersion = current;
        return judgeVersion(current, inputs.configuredVersion);
    },
};

export const providerCheck: Check = {
    name: "provider",
    needs: [],
    after: ["issuer", "signing"],
    missing: missingForProvider,
    async run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
        const read = await providerOf(inputs, facts);
        if (read.outcome) {
            return read.outcome;
        }
        facts.allowedRedirects = read.provider!.redirectUris;
        return judgeProvider(read.provider!, inputs.issuer);
    },
};

/** A check on the provider the `provider` check read (it runs only when that one passed). */
function providerSubcheck(name: string, judge: (read: ProviderRead, inputs: DoctorInputs, facts: Facts) => Outcome): Check {
    return {
        name,
        needs: ["provider"],
        after: [],
        missing: missingForProvider,
        async run(inputs: DoctorInputs, facts: Facts): Promise<Outcome> {
            return judge(await providerOf(inputs, facts), inputs, facts);
        },
    };
}

export const redirectsCheck = providerSubcheck("redirect-uris", (read, inputs) => judgeRedirects(read.provider!, inputs.headlampUrl, inputs.kubectl));

export const mappingsCheck = providerSubcheck("scope-mappings", (read, inputs) => judgePreview(read.provider!, read.preview, inputs.usernameClaim, inputs.groupsClaim, read.settings));

export const grantsCheck = providerSubcheck("grant-types", (read, _inputs, facts) => judgeGrants(read.provider!, facts.authentikVersion));
