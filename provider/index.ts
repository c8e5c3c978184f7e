// The component package's entry for the Pulumi CLI (`pulumi package add`, `pulumi package
// get-schema`): the plugin host requires this folder (package.json `main`) and serves every
// ComponentResource class exported here; the Node.js analyzer follows these re-exports into
// ../components to build the schema from the args interfaces and their TSDoc. Exactly the three
// components, nothing else (not the program, not the bundled Authentik SDK).
export { AuthentikOidcApp } from "../components/authentik-oidc-app";
export { K3sOidcApiServer } from "../components/k3s-oidc-api-server";
export { HeadlampRelease } from "../components/headlamp-release";
