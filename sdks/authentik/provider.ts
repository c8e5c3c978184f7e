import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/**
 * The provider type for the authentik package. By default, resources use package-wide configuration
 * settings (`authentik:url`, `authentik:token`, `authentik:insecure`), or the environment variables
 * `AUTHENTIK_URL`, `AUTHENTIK_TOKEN` and `AUTHENTIK_INSECURE`.
 */
export class Provider extends pulumi.ProviderResource {
    /** @internal */
    public static readonly __pulumiType = "authentik";

    /** Returns true if the given object is an instance of Provider. */
    public static isInstance(obj: any): obj is Provider {
        if (obj === undefined || obj === null) {
            return false;
        }
        return obj["__pulumiType"] === "pulumi:providers:" + Provider.__pulumiType;
    }

    /** The authentik API token. */
    public readonly token!: pulumi.Output<string>;
    /** The authentik API endpoint. */
    public readonly url!: pulumi.Output<string>;

    constructor(name: string, args?: ProviderArgs, opts?: pulumi.ResourceOptions) {
        let resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        {
            // Sensitive in the provider schema: a secret from the start, as the generated SDK wraps it.
            resourceInputs["headers"] = pulumi.output(args?.headers ? pulumi.secret(args.headers) : undefined).apply(JSON.stringify);
            resourceInputs["insecure"] = pulumi.output((args ? args.insecure : undefined) ?? utilities.getEnvBoolean("AUTHENTIK_INSECURE")).apply(JSON.stringify);
            // Secret whichever way it arrives: the generated SDK wraps only an explicit token, so a
            // token from AUTHENTIK_TOKEN would sit in the state's inputs in plain text
            // (additionalSecretOutputs protects the outputs only).
            const token = args?.token ? args.token : utilities.getEnv("AUTHENTIK_TOKEN");
            resourceInputs["token"] = token === undefined ? undefined : pulumi.secret(token);
            resourceInputs["url"] = (args ? args.url : undefined) ?? utilities.getEnv("AUTHENTIK_URL");
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        const secretOpts = { additionalSecretOutputs: ["token"] };
        opts = pulumi.mergeOptions(opts, secretOpts);
        super(Provider.__pulumiType, name, resourceInputs, opts, false /*dependency*/, utilities.getPackage());
    }
}

/** The set of arguments for constructing a Provider resource. */
export interface ProviderArgs {
    /** Optional HTTP headers sent with every request (sensitive: sent as a secret). */
    headers?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /** Whether to skip TLS verification. */
    insecure?: pulumi.Input<boolean>;
    /** The authentik API token. */
    token?: pulumi.Input<string>;
    /** The authentik API endpoint, e.g. `https://auth.example.com`. */
    url?: pulumi.Input<string>;
}
