import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/** Looks up a certificate-key pair by name (e.g. "authentik Self-signed Certificate"). */
export function getCertificateKeyPair(args: GetCertificateKeyPairArgs, opts?: pulumi.InvokeOptions): Promise<GetCertificateKeyPairResult> {
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});
    return pulumi.runtime.invoke("authentik:index/getCertificateKeyPair:getCertificateKeyPair", {
        "fetchCertificate": args.fetchCertificate,
        "fetchKey": args.fetchKey,
        "name": args.name,
    }, opts, utilities.getPackage());
}

/** A collection of arguments for invoking getCertificateKeyPair. */
export interface GetCertificateKeyPairArgs {
    fetchCertificate?: boolean;
    fetchKey?: boolean;
    /** Name of the certificate-key pair (required by the provider). */
    name: string;
}

/** A collection of values returned by getCertificateKeyPair. */
export interface GetCertificateKeyPairResult {
    readonly certificateData: string;
    readonly expiry: string;
    readonly fingerprint1: string;
    readonly fingerprint256: string;
    readonly fetchCertificate?: boolean;
    readonly fetchKey?: boolean;
    readonly id: string;
    readonly keyData: string;
    readonly name: string;
}

/** Looks up a certificate-key pair by name (e.g. "authentik Self-signed Certificate"). */
export function getCertificateKeyPairOutput(args: GetCertificateKeyPairOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetCertificateKeyPairResult> {
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});
    return pulumi.runtime.invokeOutput("authentik:index/getCertificateKeyPair:getCertificateKeyPair", {
        "fetchCertificate": args.fetchCertificate,
        "fetchKey": args.fetchKey,
        "name": args.name,
    }, opts, utilities.getPackage());
}

/** A collection of arguments for invoking getCertificateKeyPair. */
export interface GetCertificateKeyPairOutputArgs {
    fetchCertificate?: pulumi.Input<boolean>;
    fetchKey?: pulumi.Input<boolean>;
    /** Name of the certificate-key pair (required by the provider). */
    name: pulumi.Input<string>;
}
