// Shared helpers of the parameterized SDK, with the surface of the code `pulumi package add
// terraform-provider goauthentik/authentik <version>` generates.
import * as runtime from "@pulumi/pulumi/runtime";
import * as pulumi from "@pulumi/pulumi";

/** The `pulumi` block of this SDK's package.json (what `pulumi package add` writes there). */
interface PulumiPackageBlock {
    name: string;
    version: string;
    parameterization: { name: string; version: string; value: string };
}

// package.json is the one place the Terraform provider's release is written: its `pulumi` block
// names the base plugin and the parameterization (the version and the base64 parameter the
// terraform-provider plugin decodes), and the registration below takes them from there. This file
// runs as bin/utilities.js, next to ../package.json (in the repository and in the packed tarball).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pulumiBlock = (require("../package.json") as { pulumi: PulumiPackageBlock }).pulumi;

/** The parameterization this SDK registers: the Terraform provider it wraps. */
export const packageParameterization = {
    baseProviderName: pulumiBlock.name,
    baseProviderVersion: pulumiBlock.version,
    baseProviderDownloadUrl: "",
    packageName: pulumiBlock.parameterization.name,
    packageVersion: pulumiBlock.parameterization.version,
    // base64 of {"remote":{"url":"registry.opentofu.org/goauthentik/authentik","version":"<packageVersion>"}}
    base64Parameter: pulumiBlock.parameterization.value,
};

export function getEnv(...vars: string[]): string | undefined {
    for (const v of vars) {
        const value = process.env[v];
        if (value) {
            return value;
        }
    }
    return undefined;
}

export function getEnvBoolean(...vars: string[]): boolean | undefined {
    const s = getEnv(...vars);
    if (s !== undefined) {
        if (["1", "t", "T", "true", "TRUE", "True"].indexOf(s) !== -1) {
            return true;
        }
        if (["0", "f", "F", "false", "FALSE", "False"].indexOf(s) !== -1) {
            return false;
        }
    }
    return undefined;
}

export function getVersion(): string {
    return packageParameterization.packageVersion;
}

/** @internal */
export function resourceOptsDefaults(): any {
    return {};
}

/**
 * @internal The package reference every resource and invoke of this SDK passes to the engine.
 * The runtime caches the registration per engine connection.
 */
export function getPackage(): Promise<string | undefined> {
    return runtime.registerPackage(packageParameterization);
}

/** @internal */
export function lazyLoad(exports: any, props: string[], loadModule: any) {
    for (const property of props) {
        Object.defineProperty(exports, property, {
            enumerable: true,
            get: function () {
                return loadModule()[property];
            },
        });
    }
}

export type Unwrap<T> = pulumi.Unwrap<T>;
