import * as pulumi from "@pulumi/pulumi";

/** One allowed redirect URI of an OAuth2 provider (keys stay snake_case, as in Terraform). */
export interface ProviderOauth2AllowedRedirectUri {
    /** `strict` or `regex`. */
    matching_mode: pulumi.Input<string>;
    url: pulumi.Input<string>;
}
