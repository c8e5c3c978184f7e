// The library's public surface: what `npm install headlamp-sso` users import. It must not run the
// program (index.ts at the top level does that).
export * from "./validation";
export * from "./authentik-oidc-app";
export * from "./k3s-oidc-api-server";
export * from "./headlamp-release";
/**
 * The Authentik SDK the components use (bundled in this package, since it is generated locally and
 * not on the registry), so a program can pass an explicit provider:
 * `new AuthentikOidcApp(name, args, { providers: [new authentik.Provider("authentik", {url, token})] })`.
 */
export * as authentik from "@pulumi/authentik";
