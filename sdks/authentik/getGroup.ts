import * as pulumi from "@pulumi/pulumi";
import * as utilities from "./utilities";

/** Looks up a group by name or pk. */
export function getGroup(args?: GetGroupArgs, opts?: pulumi.InvokeOptions): Promise<GetGroupResult> {
    args = args || {};
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});
    return pulumi.runtime.invoke("authentik:index/getGroup:getGroup", {
        "includeUsers": args.includeUsers,
        "name": args.name,
        "pk": args.pk,
    }, opts, utilities.getPackage());
}

/** A collection of arguments for invoking getGroup. */
export interface GetGroupArgs {
    includeUsers?: boolean;
    name?: string;
    pk?: string;
}

/** A collection of values returned by getGroup. */
export interface GetGroupResult {
    readonly attributes: string;
    readonly id: string;
    readonly includeUsers?: boolean;
    readonly isSuperuser: boolean;
    readonly name?: string;
    readonly pk?: string;
    readonly users: number[];
}

/** Looks up a group by name or pk. */
export function getGroupOutput(args?: GetGroupOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetGroupResult> {
    args = args || {};
    opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});
    return pulumi.runtime.invokeOutput("authentik:index/getGroup:getGroup", {
        "includeUsers": args.includeUsers,
        "name": args.name,
        "pk": args.pk,
    }, opts, utilities.getPackage());
}

/** A collection of arguments for invoking getGroup. */
export interface GetGroupOutputArgs {
    includeUsers?: pulumi.Input<boolean>;
    name?: pulumi.Input<string>;
    pk?: pulumi.Input<string>;
}
