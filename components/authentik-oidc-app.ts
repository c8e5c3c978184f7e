// AuthentikOidcApp: the OAuth2/OIDC provider and application in Authentik that Headlamp and the
// Kubernetes API server trust. Resource wiring only; defaults, checks and rendering live in
// ./authentik/settings.ts.
import * as pulumi from "@pulumi/pulumi";
import * as authentik from "@pulumi/authentik";
import {
    AUTHENTIK_DEFAULTS,
    EMAIL_VERIFIED_EXPRESSION,
    discoveryUrlFor,
    grantTypesFor,
    issuerUrlFor,
    metaIconFor,
    planScopes,
    renderRedirectUris,
    validateAuthentikArgs,
} from "./authentik/settings";
import { VERSION_SUPPORT, authentikApiFields, newerVersionWarning, parseAuthentikVersion, unsetVersionWarning, versionSupport } from "./authentik/versions";

export { AUTHENTIK_DEFAULTS, MANAGED_SCOPES } from "./authentik/settings";

/** Arguments of {@link AuthentikOidcApp}. */
export interface AuthentikOidcAppArgs {
    /**
     * Base URL of Authentik, e.g. `https://auth.example.com` (https, no path). The issuer becomes
     * `<authentikUrl>/application/o/<slug>/`.
     */
    authentikUrl: pulumi.Input<string>;
    /**
     * Application slug (letters, digits, `-`, `_`); also the provider's name and the default client
     * id. It is part of the issuer URL, so changing it changes the issuer every consumer trusts.
     */
    slug: pulumi.Input<string>;
    /** Name users see in their Authentik library. Default `Headlamp`. */
    displayName?: pulumi.Input<string>;
    /**
     * Redirect URIs allowed for this client, matched strictly: Headlamp's
     * `https://<host>/oidc-callback`, and `http://localhost:8000` for kubelogin. https only, except
     * http on localhost / 127.0.0.1. Each is sent as `{matching_mode: "strict", url}`, plus
     * `redirect_uri_type: "authorization"` for Authentik 2026.5 and newer (see `authentikVersion`):
     * the shape that release reads back.
     */
    redirectUris: pulumi.Input<pulumi.Input<string>[]>;
    /** URL the Authentik library tile opens (usually Headlamp's URL). Default: none. */
    launchUrl?: pulumi.Input<string>;
    /**
     * Icon URL of the library tile. Default: Headlamp's logo. Authentik 2025.10's API cannot set
     * it (see `authentikVersion`): there the tile gets no icon, and setting `icon` is refused.
     */
    icon?: pulumi.Input<string>;
    /**
     * Slug of the flow that authorizes the client (the consent screen). Default
     * `default-provider-authorization-explicit-consent`; use
     * `default-provider-authorization-implicit-consent` to skip consent.
     */
    authorizationFlow?: string;
    /** Slug of the flow that logs an unauthenticated user in. Default `default-authentication-flow`. */
    authenticationFlow?: string;
    /** Slug of the flow that ends the session (required since Authentik 2024.10). Default `default-provider-invalidation-flow`. */
    invalidationFlow?: string;
    /**
     * Name of the certificate-key pair that signs tokens. Default `authentik Self-signed Certificate`.
     * Always set: without a signing key Authentik signs with HS256 and the client secret, which
     * kube-apiserver rejects.
     */
    signingKeyName?: string;
    /** OAuth2 client id. Default: the slug. */
    clientId?: pulumi.Input<string>;
    /**
     * OAuth2 client secret (secret). Default: Authentik generates one; either way the output
     * `clientSecret` is a secret.
     */
    clientSecret?: pulumi.Input<string>;
    /** Validity of authorization codes, Authentik duration format. Default `minutes=1`. */
    accessCodeValidity?: string;
    /** Validity of access and ID tokens. Default `minutes=30`; Headlamp refreshes them. */
    accessTokenValidity?: string;
    /** Validity of refresh tokens. Default `days=30` (how long a login lasts without use). */
    refreshTokenValidity?: string;
    /**
     * Scopes the client may request, from `openid`, `email`, `profile` (carries `groups`),
     * `offline_access` (refresh tokens). Default all four; `openid` is required.
     */
    scopes?: string[];
    /**
     * Grant types the provider's token endpoint accepts (Terraform `grant_types`); a grant not
     * listed is refused, and an empty list refuses every login. Default `authorization_code`
     * (Headlamp's and kubelogin's login) and `refresh_token` (how both renew tokens); must include
     * `authorization_code`. Only Authentik 2026.5 and newer have grant types on a provider (see
     * `authentikVersion`); older releases allow every grant, and setting this for them is refused.
     */
    grantTypes?: string[];
    /**
     * Replace the managed `email` scope mapping with one that returns `email_verified: true`.
     * Default true: since Authentik 2025.10 the managed mapping says `false`, and kube-apiserver
     * rejects such tokens when the username claim is `email`.
     */
    emailVerified?: boolean;
    /**
     * Names of Authentik groups whose members may log in; their membership is bound to the
     * application. Default: none, so every Authentik user may log in (Kubernetes RBAC still decides
     * what they can do).
     */
    accessGroups?: string[];
    /** Create the `accessGroups` in Authentik instead of looking them up. Default false. */
    createAccessGroups?: boolean;
    /**
     * The Authentik release this provider lives in, `YYYY.M` or `YYYY.M.P` (e.g. `2025.12`; the
     * doctor prints it), 2025.10 or newer. It decides which fields are sent: Authentik's API drops
     * a field it does not have without an error, and the provider then reads back something other
     * than it sent, so every `pulumi up` shows an update. `grant_types` and `redirect_uri_type`
     * are sent only to 2026.5 and newer (which restricts grant types), the application's icon only
     * to 2025.12 and newer. A plain string, not an Output: it decides which inputs are registered.
     * Default: unset, which assumes 2026.5 or newer (what this component always sent) and logs a
     * warning, so an existing stack changes nothing until it is set.
     */
    authentikVersion?: string;
}

/**
 * The Authentik side of single sign-on: an OAuth2/OIDC provider (RS256-signed, strict redirect
 * URIs), its application, an `email` scope mapping that Kubernetes accepts, and optional group
 * bindings that limit who may log in.
 */
export class AuthentikOidcApp extends pulumi.ComponentResource {
    /** OAuth2 client id. */
    public readonly clientId: pulumi.Output<string>;
    /** OAuth2 client secret (secret). */
    public readonly clientSecret: pulumi.Output<string>;
    /** OIDC issuer, `<authentikUrl>/application/o/<slug>/` (trailing slash). */
    public readonly issuerUrl: pulumi.Output<string>;
    /** The issuer's discovery document URL. */
    public readonly discoveryUrl: pulumi.Output<string>;
    /** The application's slug. */
    public readonly applicationSlug: pulumi.Output<string>;
    /** The application's UUID. */
    public readonly applicationUuid: pulumi.Output<string>;
    /** The OAuth2 provider's id. */
    public readonly providerId: pulumi.Output<string>;

    constructor(name: string, args: AuthentikOidcAppArgs, opts?: pulumi.ComponentResourceOptions) {
        validateAuthentikArgs(args).throwIfAny(`AuthentikOidcApp "${name}"`);
        super("headlamp-sso:index:AuthentikOidcApp", name, {}, opts);
        const parent = { parent: this };
        const d = AUTHENTIK_DEFAULTS;
        const api = authentikApiFields(args.authentikVersion);
        if (args.authentikVersion === undefined) {
            void pulumi.log.warn(unsetVersionWarning("authentikVersion"), this);
        } else if (versionSupport(parseAuthentikVersion(args.authentikVersion)!) === VERSION_SUPPORT.newer) {
            void pulumi.log.warn(newerVersionWarning("authentikVersion", args.authentikVersion), this);
        }

        const slug = pulumi.output(args.slug);
        const flowId = (flowSlug: string) => authentik.getFlowOutput({ slug: flowSlug }, parent).id;
        const signingKey = authentik.getCertificateKeyPairOutput(
            { name: args.signingKeyName ?? d.signingKeyName, fetchCertificate: false, fetchKey: false },
            parent,
        ).id;

        const scopes = planScopes(args.scopes ?? d.scopes, args.emailVerified ?? d.emailVerified);
        const managedIds = scopes.managed.length > 0
            ? authentik.getPropertyMappingProviderScopeOutput({ managedLists: scopes.managed }, parent).ids
            : pulumi.output([] as string[]);
        const customIds: pulumi.Output<string>[] = [];
        if (scopes.customEmail) {
            const email = new authentik.PropertyMappingProviderScope(`${name}-email`, {
                name: pulumi.interpolate`${slug}: email (verified)`,
                scopeName: "email",
                description: "Email address",
                expression: EMAIL_VERIFIED_EXPRESSION,
            }, parent);
            customIds.push(email.propertyMappingProviderScopeId);
        }
        const propertyMappings = pulumi.all([managedIds, pulumi.all(customIds)]).apply(([m, c]) => [...m, ...c]);

        const provider = new authentik.ProviderOauth2(`${name}-provider`, {
            name: slug,
            clientId: args.clientId ?? slug,
            clientSecret: args.clientSecret ? pulumi.secret(args.clientSecret) : undefined,
            clientType: "confidential",
            authorizationFlow: flowId(args.authorizationFlow ?? d.authorizationFlow),
            authenticationFlow: flowId(args.authenticationFlow ?? d.authenticationFlow),
            invalidationFlow: flowId(args.invalidationFlow ?? d.invalidationFlow),
            allowedRedirectUris: pulumi.output(args.redirectUris).apply((uris) => renderRedirectUris(uris, api)),
            grantTypes: grantTypesFor(args.grantTypes, api),
            signingKey,
            propertyMappings,
            issuerMode: "per_provider",
            includeClaimsInIdToken: true,
            accessCodeValidity: args.accessCodeValidity ?? d.accessCodeValidity,
            accessTokenValidity: args.accessTokenValidity ?? d.accessTokenValidity,
            refreshTokenValidity: args.refreshTokenValidity ?? d.refreshTokenValidity,
        }, parent);

        const application = new authentik.Application(`${name}-app`, {
            name: args.displayName ?? d.displayName,
            slug,
            protocolProvider: provider.providerOauth2Id.apply((id) => Number(id)),
            metaLaunchUrl: args.launchUrl,
            metaIcon: metaIconFor(args.icon, api),
            policyEngineMode: "any",
        }, parent);

        (args.accessGroups ?? []).forEach((groupName, order) => {
            const groupId = args.createAccessGroups
                ? new authentik.Group(`${name}-group-${groupName}`, { name: groupName }, parent).groupId
                : authentik.getGroupOutput({ name: groupName }, parent).id;
            new authentik.PolicyBinding(`${name}-access-${groupName}`, {
                target: application.uuid,
                group: groupId,
                order,
            }, parent);
        });

        this.clientId = provider.clientId;
        this.clientSecret = pulumi.secret(provider.clientSecret);
        this.issuerUrl = pulumi.all([args.authentikUrl, application.slug]).apply(([url, s]) => issuerUrlFor(url, s));
        this.discoveryUrl = this.issuerUrl.apply(discoveryUrlFor);
        this.applicationSlug = application.slug;
        this.applicationUuid = application.uuid;
        this.providerId = provider.providerOauth2Id;
        this.registerOutputs({
            clientId: this.clientId,
            clientSecret: this.clientSecret,
            issuerUrl: this.issuerUrl,
            discoveryUrl: this.discoveryUrl,
            applicationSlug: this.applicationSlug,
            applicationUuid: this.applicationUuid,
            providerId: this.providerId,
        });
    }
}
