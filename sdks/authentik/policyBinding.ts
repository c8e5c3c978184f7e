import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/** Binds a policy, group or user to a target (an application's UUID). (Terraform `authentik_policy_binding`.) */
export class PolicyBinding extends pulumi.CustomResource {
    /** Gets an existing PolicyBinding resource's state with the given name, ID, and optional extra properties. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: PolicyBindingState, opts?: pulumi.CustomResourceOptions): PolicyBinding {
        return new PolicyBinding(name, <any>state, { ...opts, id: id });
    }

    /** @internal */
    public static readonly __pulumiType = "authentik:index/policyBinding:PolicyBinding";

    /** Returns true if the given object is an instance of PolicyBinding. */
    public static isInstance(obj: any): obj is PolicyBinding {
        if (obj === undefined || obj === null) {
            return false;
        }
        return obj["__pulumiType"] === PolicyBinding.__pulumiType;
    }

    /** Whether the binding is evaluated. */
    public readonly enabled!: pulumi.Output<boolean | undefined>;
    /** Result when the policy fails. */
    public readonly failureResult!: pulumi.Output<boolean | undefined>;
    /** Group the binding matches. */
    public readonly group!: pulumi.Output<string | undefined>;
    /** Negate the result. */
    public readonly negate!: pulumi.Output<boolean | undefined>;
    /** Order among the target's bindings. */
    public readonly order!: pulumi.Output<number>;
    /** Policy to evaluate. */
    public readonly policy!: pulumi.Output<string | undefined>;
    /** The Terraform id of the binding. */
    public readonly policyBindingId!: pulumi.Output<string>;
    /** Target object's UUID (e.g. an application's `uuid`). */
    public readonly target!: pulumi.Output<string>;
    /** Timeout in seconds. */
    public readonly timeout!: pulumi.Output<number | undefined>;
    /** User the binding matches. */
    public readonly user!: pulumi.Output<number | undefined>;

    /** Create a PolicyBinding resource with the given unique name, arguments, and options. */
    constructor(name: string, args: PolicyBindingArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: PolicyBindingArgs | PolicyBindingState, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: PolicyBindingArgs | PolicyBindingState, opts?: pulumi.CustomResourceOptions) {
        let resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as PolicyBindingState | undefined;
            resourceInputs["enabled"] = state?.enabled;
            resourceInputs["failureResult"] = state?.failureResult;
            resourceInputs["group"] = state?.group;
            resourceInputs["negate"] = state?.negate;
            resourceInputs["order"] = state?.order;
            resourceInputs["policy"] = state?.policy;
            resourceInputs["policyBindingId"] = state?.policyBindingId;
            resourceInputs["target"] = state?.target;
            resourceInputs["timeout"] = state?.timeout;
            resourceInputs["user"] = state?.user;
        } else {
            const args = argsOrState as PolicyBindingArgs | undefined;
            if (args?.order === undefined && !opts.urn) {
                throw new Error("Missing required property 'order'");
            }
            if (args?.target === undefined && !opts.urn) {
                throw new Error("Missing required property 'target'");
            }
            resourceInputs["enabled"] = args?.enabled;
            resourceInputs["failureResult"] = args?.failureResult;
            resourceInputs["group"] = args?.group;
            resourceInputs["negate"] = args?.negate;
            resourceInputs["order"] = args?.order;
            resourceInputs["policy"] = args?.policy;
            resourceInputs["policyBindingId"] = args?.policyBindingId;
            resourceInputs["target"] = args?.target;
            resourceInputs["timeout"] = args?.timeout;
            resourceInputs["user"] = args?.user;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        super(PolicyBinding.__pulumiType, name, resourceInputs, opts, false /*dependency*/, utilities.getPackage());
    }
}

/** Input properties used for looking up and filtering PolicyBinding resources. */
export interface PolicyBindingState {
    /** Whether the binding is evaluated. */
    enabled?: pulumi.Input<boolean>;
    /** Result when the policy fails. */
    failureResult?: pulumi.Input<boolean>;
    /** Group the binding matches. */
    group?: pulumi.Input<string>;
    /** Negate the result. */
    negate?: pulumi.Input<boolean>;
    /** Order among the target's bindings. */
    order?: pulumi.Input<number>;
    /** Policy to evaluate. */
    policy?: pulumi.Input<string>;
    /** The Terraform id of the binding. */
    policyBindingId?: pulumi.Input<string>;
    /** Target object's UUID (e.g. an application's `uuid`). */
    target?: pulumi.Input<string>;
    /** Timeout in seconds. */
    timeout?: pulumi.Input<number>;
    /** User the binding matches. */
    user?: pulumi.Input<number>;
}

/** The set of arguments for constructing a PolicyBinding resource. */
export interface PolicyBindingArgs {
    /** Whether the binding is evaluated. */
    enabled?: pulumi.Input<boolean>;
    /** Result when the policy fails. */
    failureResult?: pulumi.Input<boolean>;
    /** Group the binding matches. */
    group?: pulumi.Input<string>;
    /** Negate the result. */
    negate?: pulumi.Input<boolean>;
    /** Order among the target's bindings. */
    order: pulumi.Input<number>;
    /** Policy to evaluate. */
    policy?: pulumi.Input<string>;
    /** The Terraform id of the binding. */
    policyBindingId?: pulumi.Input<string>;
    /** Target object's UUID (e.g. an application's `uuid`). */
    target: pulumi.Input<string>;
    /** Timeout in seconds. */
    timeout?: pulumi.Input<number>;
    /** User the binding matches. */
    user?: pulumi.Input<number>;
}
