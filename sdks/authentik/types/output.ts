/** One allowed redirect URI of an OAuth2 provider, as the provider reads it back (a `map(string)`). */
export interface ProviderOauth2AllowedRedirectUri {
    /** `strict` or `regex`. */
    matching_mode: string;
    /** The redirect URI (or regular expression). */
    url: string;
    /** `authorization` (the default the provider fills in) or `logout`; absent from Authentik before 2026.5. */
    redirect_uri_type?: string;
}
