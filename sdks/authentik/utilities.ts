// Shared helpers of the parameterized SDK, with the surface of the code `pulumi package add
// terraform-provider goauthentik/authentik 2026.5.1` generates.
import * as runtime from "@pulumi/pulumi/runtime";
import * as pulumi from "@pulumi/pulumi";

/** The parameterization this SDK registers: the Terraform provider it wraps. */
export const packageParameterization = {
    baseProviderName: "terraform-provider",
    baseProviderVersion: "0.14.0",
    baseProviderDownloadUrl: "",
    packageName: "authentik",
    packageVersion: "2026.5.1",
    // base64 of {"remote":{"url":"registry.opentofu.org/goauthentik/authentik","version":"2026.5.1"}}
    base64Parameter: "eyJyZW1vdGUiOnsidXJsIjoicmVnaXN0cnkub3BlbnRvZnUub3JnL2dvYXV0aGVudGlrL2F1dGhlbnRpayIsInZlcnNpb24iOiIyMDI2LjUuMSJ9fQ==",
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
