import * as pulumi from "@pulumi/pulumi";

/**
 * One allowed redirect URI of an OAuth2 provider. In the provider schema an entry is a
 * `map(string)` (keys stay snake_case, as in Terraform); this subset names the three keys the
 * provider sends and reads back since 2026.5 (`matching_mode`, `url`, `redirect_uri_type`:
 * goauthentik/terraform-provider-authentik#914).
 */
export interface ProviderOauth2AllowedRedirectUri {
    /** `strict` or `regex`. */
    matching_mode: pulumi.Input<string>;
    /** The redirect URI (or regular expression). */
    url: pulumi.Input<string>;
    /**
     * `authorization` (where the authorization response goes) or `logout` (post-logout redirect).
     * Against Authentik 2026.5 and newer, provider 2026.5 (#914) reads it back with the default
     * `authorization`, so an entry sent without it shows a diff on every update. Authentik 2025.10
     * to 2026.2 have no such field: they drop it, and an entry sent with it shows the diff.
     */
    redirect_uri_type?: pulumi.Input<string>;
}
