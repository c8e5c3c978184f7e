import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/** Looks up scope mappings, e.g. the managed ones by `managedLists`; `ids` lists what matched. */
export function getPropertyMappingProviderScope(args?: GetPropertyMappingProviderScopeArgs, opts?: pulumi.InvokeOptions): Promise<GetPropertyMappingProviderScopeResult> {
    args = args || {};
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});
    return pulumi.runtime.invoke("authentik:index/getPropertyMappingProviderScope:getPropertyMappingProviderScope", {
        "managed": args.managed,
        "managedLists": args.managedLists,
        "name": args.name,
        "scopeName": args.scopeName,
    }, opts, utilities.getPackage());
}

/** A collection of arguments for invoking getPropertyMappingProviderScope. */
export interface GetPropertyMappingProviderScopeArgs {
    managed?: string;
    managedLists?: string[];
    name?: string;
    scopeName?: string;
}

/** A collection of values returned by getPropertyMappingProviderScope. */
export interface GetPropertyMappingProviderScopeResult {
    readonly description: string;
    readonly expression: string;
    readonly id: string;
    readonly ids: string[];
    readonly managed?: string;
    readonly managedLists?: string[];
    readonly name?: string;
    readonly scopeName: string;
}

/** Looks up scope mappings, e.g. the managed ones by `managedLists`; `ids` lists what matched. */
export function getPropertyMappingProviderScopeOutput(args?: GetPropertyMappingProviderScopeOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetPropertyMappingProviderScopeResult> {
    args = args || {};
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});
    return pulumi.runtime.invokeOutput("authentik:index/getPropertyMappingProviderScope:getPropertyMappingProviderScope", {
        "managed": args.managed,
        "managedLists": args.managedLists,
        "name": args.name,
        "scopeName": args.scopeName,
    }, opts, utilities.getPackage());
}

/** A collection of arguments for invoking getPropertyMappingProviderScope. */
export interface GetPropertyMappingProviderScopeOutputArgs {
    managed?: pulumi.Input<string>;
    managedLists?: pulumi.Input<pulumi.Input<string>[]>;
    name?: pulumi.Input<string>;
    scopeName?: pulumi.Input<string>;
}
