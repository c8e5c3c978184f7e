import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/** An application. (Terraform `authentik_application`.) */
export class Application extends pulumi.CustomResource {
    /** Gets an existing Application resource's state with the given name, ID, and optional extra properties. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: ApplicationState, opts?: pulumi.CustomResourceOptions): Application {
        return new Application(name, <any>state, { ...opts, id: id });
    }

    /** @internal */
    public static readonly __pulumiType = "authentik:index/application:Application";

    /** Returns true if the given object is an instance of Application. */
    public static isInstance(obj: any): obj is Application {
        if (obj === undefined || obj === null) {
            return false;
        }
        return obj["__pulumiType"] === Application.__pulumiType;
    }

    /** The Terraform id of the application. */
    public readonly applicationId!: pulumi.Output<string>;
    /** Backchannel providers. */
    public readonly backchannelProviders!: pulumi.Output<number[] | undefined>;
    /** Group (folder) shown in the user's library. */
    public readonly group!: pulumi.Output<string | undefined>;
    /** Description shown in the library. */
    public readonly metaDescription!: pulumi.Output<string | undefined>;
    /** Icon URL. */
    public readonly metaIcon!: pulumi.Output<string | undefined>;
    /** Launch URL. */
    public readonly metaLaunchUrl!: pulumi.Output<string | undefined>;
    /** Publisher. */
    public readonly metaPublisher!: pulumi.Output<string | undefined>;
    /** Display name. */
    public readonly name!: pulumi.Output<string>;
    /** Open the launch URL in a new tab. */
    public readonly openInNewTab!: pulumi.Output<boolean | undefined>;
    /** `all` or `any`. Defaults to `any`. */
    public readonly policyEngineMode!: pulumi.Output<string | undefined>;
    /** The provider's numeric id. */
    public readonly protocolProvider!: pulumi.Output<number | undefined>;
    /** Internal application name, used in URLs. */
    public readonly slug!: pulumi.Output<string>;
    /** The application's UUID (the target of policy bindings). */
    public readonly uuid!: pulumi.Output<string>;

    /** Create a Application resource with the given unique name, arguments, and options. */
    constructor(name: string, args: ApplicationArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: ApplicationArgs | ApplicationState, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: ApplicationArgs | ApplicationState, opts?: pulumi.CustomResourceOptions) {
        let resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as ApplicationState | undefined;
            resourceInputs["applicationId"] = state?.applicationId;
            resourceInputs["backchannelProviders"] = state?.backchannelProviders;
            resourceInputs["group"] = state?.group;
            resourceInputs["metaDescription"] = state?.metaDescription;
            resourceInputs["metaIcon"] = state?.metaIcon;
            resourceInputs["metaLaunchUrl"] = state?.metaLaunchUrl;
            resourceInputs["metaPublisher"] = state?.metaPublisher;
            resourceInputs["name"] = state?.name;
            resourceInputs["openInNewTab"] = state?.openInNewTab;
            resourceInputs["policyEngineMode"] = state?.policyEngineMode;
            resourceInputs["protocolProvider"] = state?.protocolProvider;
            resourceInputs["slug"] = state?.slug;
            resourceInputs["uuid"] = state?.uuid;
        } else {
            const args = argsOrState as ApplicationArgs | undefined;
            if (args?.slug === undefined && !opts.urn) {
                throw new Error("Missing required property 'slug'");
            }
            resourceInputs["applicationId"] = args?.applicationId;
            resourceInputs["backchannelProviders"] = args?.backchannelProviders;
            resourceInputs["group"] = args?.group;
            resourceInputs["metaDescription"] = args?.metaDescription;
            resourceInputs["metaIcon"] = args?.metaIcon;
            resourceInputs["metaLaunchUrl"] = args?.metaLaunchUrl;
            resourceInputs["metaPublisher"] = args?.metaPublisher;
            resourceInputs["name"] = args?.name;
            resourceInputs["openInNewTab"] = args?.openInNewTab;
            resourceInputs["policyEngineMode"] = args?.policyEngineMode;
            resourceInputs["protocolProvider"] = args?.protocolProvider;
            resourceInputs["slug"] = args?.slug;
            resourceInputs["uuid"] = undefined /*out*/;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        super(Application.__pulumiType, name, resourceInputs, opts, false /*dependency*/, utilities.getPackage());
    }
}

/** Input properties used for looking up and filtering Application resources. */
export interface ApplicationState {
    /** The Terraform id of the application. */
    applicationId?: pulumi.Input<string>;
    /** Backchannel providers. */
    backchannelProviders?: pulumi.Input<pulumi.Input<number>[]>;
    /** Group (folder) shown in the user's library. */
    group?: pulumi.Input<string>;
    /** Description shown in the library. */
    metaDescription?: pulumi.Input<string>;
    /** Icon URL. */
    metaIcon?: pulumi.Input<string>;
    /** Launch URL. */
    metaLaunchUrl?: pulumi.Input<string>;
    /** Publisher. */
    metaPublisher?: pulumi.Input<string>;
    /** Display name. */
    name?: pulumi.Input<string>;
    /** Open the launch URL in a new tab. */
    openInNewTab?: pulumi.Input<boolean>;
    /** `all` or `any`. Defaults to `any`. */
    policyEngineMode?: pulumi.Input<string>;
    /** The provider's numeric id. */
    protocolProvider?: pulumi.Input<number>;
    /** Internal application name, used in URLs. */
    slug?: pulumi.Input<string>;
    /** The application's UUID (the target of policy bindings). */
    uuid?: pulumi.Input<string>;
}

/** The set of arguments for constructing a Application resource. */
export interface ApplicationArgs {
    /** The Terraform id of the application. */
    applicationId?: pulumi.Input<string>;
    /** Backchannel providers. */
    backchannelProviders?: pulumi.Input<pulumi.Input<number>[]>;
    /** Group (folder) shown in the user's library. */
    group?: pulumi.Input<string>;
    /** Description shown in the library. */
    metaDescription?: pulumi.Input<string>;
    /** Icon URL. */
    metaIcon?: pulumi.Input<string>;
    /** Launch URL. */
    metaLaunchUrl?: pulumi.Input<string>;
    /** Publisher. */
    metaPublisher?: pulumi.Input<string>;
    /** Display name. */
    name?: pulumi.Input<string>;
    /** Open the launch URL in a new tab. */
    openInNewTab?: pulumi.Input<boolean>;
    /** `all` or `any`. Defaults to `any`. */
    policyEngineMode?: pulumi.Input<string>;
    /** The provider's numeric id. */
    protocolProvider?: pulumi.Input<number>;
    /** Internal application name, used in URLs. */
    slug: pulumi.Input<string>;
}
