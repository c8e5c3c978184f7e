// The library's public surface: what `npm install headlamp-sso` users import. It must not run the
// program (index.ts at the top level does that).
export * from "./validation";
export * from "./authentik-oidc-app";
export * from "./k3s-oidc-api-server";
export * from "./headlamp-release";
