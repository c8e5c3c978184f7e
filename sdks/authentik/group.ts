import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/** A group of users. (Terraform `authentik_group`.) */
export class Group extends pulumi.CustomResource {
    /** Gets an existing Group resource's state with the given name, ID, and optional extra properties. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: GroupState, opts?: pulumi.CustomResourceOptions): Group {
        return new Group(name, <any>state, { ...opts, id: id });
    }

    /** @internal */
    public static readonly __pulumiType = "authentik:index/group:Group";

    /** Returns true if the given object is an instance of Group. */
    public static isInstance(obj: any): obj is Group {
        if (obj === undefined || obj === null) {
            return false;
        }
        return obj["__pulumiType"] === Group.__pulumiType;
    }

    /** JSON attributes. */
    public readonly attributes!: pulumi.Output<string | undefined>;
    /** The Terraform id of the group. */
    public readonly groupId!: pulumi.Output<string>;
    /** Whether members are superusers. */
    public readonly isSuperuser!: pulumi.Output<boolean | undefined>;
    /** Group name. */
    public readonly name!: pulumi.Output<string>;
    /** Parent groups. */
    public readonly parents!: pulumi.Output<string[] | undefined>;
    /** Roles. */
    public readonly roles!: pulumi.Output<string[] | undefined>;
    /** Member user ids. */
    public readonly users!: pulumi.Output<number[]>;

    /** Create a Group resource with the given unique name, arguments, and options. */
    constructor(name: string, args?: GroupArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: GroupArgs | GroupState, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: GroupArgs | GroupState, opts?: pulumi.CustomResourceOptions) {
        let resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as GroupState | undefined;
            resourceInputs["attributes"] = state?.attributes;
            resourceInputs["groupId"] = state?.groupId;
            resourceInputs["isSuperuser"] = state?.isSuperuser;
            resourceInputs["name"] = state?.name;
            resourceInputs["parents"] = state?.parents;
            resourceInputs["roles"] = state?.roles;
            resourceInputs["users"] = state?.users;
        } else {
            const args = argsOrState as GroupArgs | undefined;
            resourceInputs["attributes"] = args?.attributes;
            resourceInputs["groupId"] = args?.groupId;
            resourceInputs["isSuperuser"] = args?.isSuperuser;
            resourceInputs["name"] = args?.name;
            resourceInputs["parents"] = args?.parents;
            resourceInputs["roles"] = args?.roles;
            resourceInputs["users"] = args?.users;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        super(Group.__pulumiType, name, resourceInputs, opts, false /*dependency*/, utilities.getPackage());
    }
}

/** Input properties used for looking up and filtering Group resources. */
export interface GroupState {
    /** JSON attributes. */
    attributes?: pulumi.Input<string>;
    /** The Terraform id of the group. */
    groupId?: pulumi.Input<string>;
    /** Whether members are superusers. */
    isSuperuser?: pulumi.Input<boolean>;
    /** Group name. */
    name?: pulumi.Input<string>;
    /** Parent groups. */
    parents?: pulumi.Input<pulumi.Input<string>[]>;
    /** Roles. */
    roles?: pulumi.Input<pulumi.Input<string>[]>;
    /** Member user ids. */
    users?: pulumi.Input<pulumi.Input<number>[]>;
}

/** The set of arguments for constructing a Group resource. */
export interface GroupArgs {
    /** JSON attributes. */
    attributes?: pulumi.Input<string>;
    /** The Terraform id of the group. */
    groupId?: pulumi.Input<string>;
    /** Whether members are superusers. */
    isSuperuser?: pulumi.Input<boolean>;
    /** Group name. */
    name?: pulumi.Input<string>;
    /** Parent groups. */
    parents?: pulumi.Input<pulumi.Input<string>[]>;
    /** Roles. */
    roles?: pulumi.Input<pulumi.Input<string>[]>;
    /** Member user ids. */
    users?: pulumi.Input<pulumi.Input<number>[]>;
}
