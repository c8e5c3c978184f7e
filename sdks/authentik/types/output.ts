/** One allowed redirect URI of an OAuth2 provider (keys stay snake_case, as in Terraform). */
export interface ProviderOauth2AllowedRedirectUri {
    matching_mode: string;
    url: string;
}
