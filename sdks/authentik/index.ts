// The local subset of the @pulumi/authentik SDK (see README.md). Same module layout, type tokens
// and property names as the SDK that `pulumi package add terraform-provider goauthentik/authentik
// 2026.5.0` generates.
export * from "./application";
export * from "./getCertificateKeyPair";
export * from "./getFlow";
export * from "./getGroup";
export * from "./getPropertyMappingProviderScope";
export * from "./group";
export * from "./policyBinding";
export * from "./propertyMappingProviderScope";
export * from "./provider";
export * from "./providerOauth2";

import * as config from "./config";
import * as types from "./types";

export { config, types };
