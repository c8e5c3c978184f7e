// The component package's entry for the Pulumi CLI (`pulumi package add`, `pulumi package
// get-schema`): the plugin host requires this folder (package.json `main`) and serves every
// ComponentResource class exported here; the Node.js analyzer follows these re-exports into
// ../components to build the schema from the args interfaces and their TSDoc. Exactly the three
// components, nothing else (not the program, not the bundled Authentik SDK).
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental/provider";
import { PackageSpec } from "@pulumi/pulumi/provider/experimental/schema";
import { markSecrets } from "./schema";

export { AuthentikOidcApp } from "../components/authentik-oidc-app";
export { K3sOidcApiServer } from "../components/k3s-oidc-api-server";
export { HeadlampRelease } from "../components/headlamp-release";

// The plugin host (cmd/run-plugin) serves the exported components with @pulumi/pulumi's own
// ComponentProvider, whose GetSchema is the analyzer's schema, which cannot mark a property secret.
// Its getSchema is wrapped here (this module is loaded before the host is built, from the one
// @pulumi/pulumi that provider/install.js leaves) to serve the schema with the secret properties
// of ../components/secrets.ts marked `secret: true`, so every language's SDK treats them as secrets.
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with the provider as `this` below
const analyzedSchema = ComponentProvider.prototype.getSchema;
if (!(analyzedSchema as { marksSecrets?: boolean }).marksSecrets) {
    const servedSchema = async function (this: ComponentProvider): Promise<string> {
        return JSON.stringify(markSecrets(JSON.parse(await analyzedSchema.call(this)) as PackageSpec));
    };
    ComponentProvider.prototype.getSchema = Object.assign(servedSchema, { marksSecrets: true });
}
