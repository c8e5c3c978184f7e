// The Authentik Terraform provider release that Pulumi runs the Authentik resources with. Written
// in one place: the `pulumi` block of the bundled SDK's package.json (sdks/authentik/package.json,
// as `pulumi package add terraform-provider goauthentik/authentik <version>` writes it). The SDK's
// registerPackage call reads that block; this module reads it too, for the doctor and the tests
// (which hold Pulumi.yaml's `packages:` entry and docs/deploy.md and docs/components.md against it). Pure: no Pulumi runtime.

/** The `pulumi` block of a parameterized SDK's package.json. */
export interface SdkPulumiBlock {
    resource: boolean;
    /** The base plugin, `terraform-provider`. */
    name: string;
    /** The base plugin's version. */
    version: string;
    parameterization: {
        /** The package name, `authentik`. */
        name: string;
        /** The Terraform provider's version. */
        version: string;
        /** base64 of the JSON parameter the terraform-provider plugin decodes. */
        value: string;
    };
}

/** What the base64 parameter says: the Terraform registry address and the version it downloads. */
export interface TerraformParameter {
    remote: { url: string; version: string };
}

/** The Terraform provider release, as every place that names it must name it. */
export interface TerraformProviderRelease {
    /** `goauthentik/authentik` (namespace/type, the first `parameters:` entry). */
    source: string;
    /** The provider's release version, e.g. `2026.5.0` (the second `parameters:` entry). */
    version: string;
    /** The registry host the plugin downloads from, `registry.opentofu.org`. */
    registry: string;
    /** The base plugin (`terraform-provider`) and its version. */
    basePlugin: { name: string; version: string };
    /** The decoded base64 parameter. */
    parameter: TerraformParameter;
}

/** Decodes a package.json `pulumi` block; throws when its parts disagree with each other. */
export function releaseOf(block: SdkPulumiBlock): TerraformProviderRelease {
    const parameter = JSON.parse(Buffer.from(block.parameterization.value, "base64").toString("utf8")) as TerraformParameter;
    const url = parameter.remote?.url ?? "";
    const slash = url.indexOf("/");
    const release: TerraformProviderRelease = {
        source: url.slice(slash + 1),
        version: block.parameterization.version,
        registry: url.slice(0, slash),
        basePlugin: { name: block.name, version: block.version },
        parameter,
    };
    if (parameter.remote?.version !== release.version) {
        throw new Error(`sdks/authentik/package.json: pulumi.parameterization.version is ${JSON.stringify(release.version)} but its base64 value says ${JSON.stringify(parameter.remote?.version)}; regenerate the value from the version.`);
    }
    return release;
}

// The bundled SDK's package.json (a JSON file: nothing of the SDK's code is loaded).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkPackage = require("@pulumi/authentik/package.json") as { pulumi: SdkPulumiBlock };

/** The release the bundled Authentik SDK registers. */
export const AUTHENTIK_TERRAFORM_PROVIDER: TerraformProviderRelease = releaseOf(sdkPackage.pulumi);
