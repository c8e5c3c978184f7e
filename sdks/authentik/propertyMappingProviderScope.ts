import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/** A scope mapping of an OAuth2 provider. (Terraform `authentik_property_mapping_provider_scope`.) */
export class PropertyMappingProviderScope extends pulumi.CustomResource {
    /** Gets an existing PropertyMappingProviderScope resource's state with the given name, ID, and optional extra properties. */
    public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: PropertyMappingProviderScopeState, opts?: pulumi.CustomResourceOptions): PropertyMappingProviderScope {
        return new PropertyMappingProviderScope(name, <any>state, { ...opts, id: id });
    }

    /** @internal */
    public static readonly __pulumiType = "authentik:index/propertyMappingProviderScope:PropertyMappingProviderScope";

    /** Returns true if the given object is an instance of PropertyMappingProviderScope. */
    public static isInstance(obj: any): obj is PropertyMappingProviderScope {
        if (obj === undefined || obj === null) {
            return false;
        }
        return obj["__pulumiType"] === PropertyMappingProviderScope.__pulumiType;
    }

    /** Description shown to the user when consenting. */
    public readonly description!: pulumi.Output<string | undefined>;
    /** Python expression returning the claims of this scope. */
    public readonly expression!: pulumi.Output<string>;
    /** Mapping name. */
    public readonly name!: pulumi.Output<string>;
    /** The Terraform id of the mapping. */
    public readonly propertyMappingProviderScopeId!: pulumi.Output<string>;
    /** Scope name requested by the client. */
    public readonly scopeName!: pulumi.Output<string>;

    /** Create a PropertyMappingProviderScope resource with the given unique name, arguments, and options. */
    constructor(name: string, args: PropertyMappingProviderScopeArgs, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: PropertyMappingProviderScopeArgs | PropertyMappingProviderScopeState, opts?: pulumi.CustomResourceOptions);
    constructor(name: string, argsOrState?: PropertyMappingProviderScopeArgs | PropertyMappingProviderScopeState, opts?: pulumi.CustomResourceOptions) {
        let resourceInputs: pulumi.Inputs = {};
        opts = opts || {};
        if (opts.id) {
            const state = argsOrState as PropertyMappingProviderScopeState | undefined;
            resourceInputs["description"] = state?.description;
            resourceInputs["expression"] = state?.expression;
            resourceInputs["name"] = state?.name;
            resourceInputs["propertyMappingProviderScopeId"] = state?.propertyMappingProviderScopeId;
            resourceInputs["scopeName"] = state?.scopeName;
        } else {
            const args = argsOrState as PropertyMappingProviderScopeArgs | undefined;
            if (args?.expression === undefined && !opts.urn) {
                throw new Error("Missing required property 'expression'");
            }
            if (args?.scopeName === undefined && !opts.urn) {
                throw new Error("Missing required property 'scopeName'");
            }
            resourceInputs["description"] = args?.description;
            resourceInputs["expression"] = args?.expression;
            resourceInputs["name"] = args?.name;
            resourceInputs["propertyMappingProviderScopeId"] = args?.propertyMappingProviderScopeId;
            resourceInputs["scopeName"] = args?.scopeName;
        }
        opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);
        super(PropertyMappingProviderScope.__pulumiType, name, resourceInputs, opts, false /*dependency*/, utilities.getPackage());
    }
}

/** Input properties used for looking up and filtering PropertyMappingProviderScope resources. */
export interface PropertyMappingProviderScopeState {
    /** Description shown to the user when consenting. */
    description?: pulumi.Input<string>;
    /** Python expression returning the claims of this scope. */
    expression?: pulumi.Input<string>;
    /** Mapping name. */
    name?: pulumi.Input<string>;
    /** The Terraform id of the mapping. */
    propertyMappingProviderScopeId?: pulumi.Input<string>;
    /** Scope name requested by the client. */
    scopeName?: pulumi.Input<string>;
}

/** The set of arguments for constructing a PropertyMappingProviderScope resource. */
export interface PropertyMappingProviderScopeArgs {
    /** Description shown to the user when consenting. */
    description?: pulumi.Input<string>;
    /** Python expression returning the claims of this scope. */
    expression: pulumi.Input<string>;
    /** Mapping name. */
    name?: pulumi.Input<string>;
    /** The Terraform id of the mapping. */
    propertyMappingProviderScopeId?: pulumi.Input<string>;
    /** Scope name requested by the client. */
    scopeName: pulumi.Input<string>;
}
