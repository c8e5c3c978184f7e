// The library's public surface: what `npm install headlamp-sso` users import. It must not run the
// program (index.ts at the top level does that).
//
// Every name here is a promise to library users (a rename breaks their programs), so the list is
// explicit: the three components, their args and nested args types, the string enums and the
// defaults. The validation helpers, renderers and settings behind them stay internal (the package's
// own code imports them from their modules). etc/headlamp-sso.api.md records this surface and
// the program's subpath (headlamp-sso/program); tests/public-api.test.ts fails when it changes
// without that file: review the change, then `npm run api-report` rewrites it.
export { AuthentikOidcApp, AUTHENTIK_DEFAULTS } from "./authentik-oidc-app";
export type { AuthentikOidcAppArgs } from "./authentik-oidc-app";
export {
    K3sOidcApiServer,
    K3S_OIDC_DEFAULTS,
    K3sAuthConfigApiVersion,
    K3sDistribution,
    K3sOidcMode,
    K3sServiceManager,
} from "./k3s-oidc-api-server";
export type { K3sOidcApiServerArgs, K3sServer } from "./k3s-oidc-api-server";
export { HeadlampRelease, HEADLAMP_DEFAULTS } from "./headlamp-release";
export type {
    HeadlampGatewayArgs,
    HeadlampGatewayParentRefArgs,
    HeadlampNamespaceAccessArgs,
    HeadlampOidcArgs,
    HeadlampReleaseArgs,
    HeadlampSubjectsArgs,
    HeadlampTlsArgs,
} from "./headlamp-release";
/**
 * The Authentik SDK the components use (bundled in this package, since it is generated locally and
 * not on the registry), so a program can pass an explicit provider:
 * `new AuthentikOidcApp(name, args, { providers: [new authentik.Provider("authentik", {url, token})] })`.
 */
export * as authentik from "@pulumi/authentik";
