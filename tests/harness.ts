// A reusable Pulumi mock harness. It records every registered resource (type, name, inputs with
// their secret markers, parent, dependsOn, provider, package reference, options) and every invoke,
// answers the Authentik invokes with realistic values, and records (and throws on) any invoke it
// does not know, so a test that reaches an unmocked data source fails.
import { randomBytes } from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** The marker Pulumi puts on a secret value in a serialized property map. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    /** Inputs with secrets unwrapped to their plain values. */
    readonly inputs: Record<string, any>;
    /** Inputs as serialized, with secret markers kept (see `isSecretIn`). */
    readonly rawInputs: Record<string, any>;
    readonly parent: string;
    readonly dependsOn: string[];
    /** Provider reference (`urn::id`), empty for the default provider. */
    readonly provider: string;
    /** Package reference from `runtime.registerPackage`, empty for ordinary packages. */
    readonly packageRef: string;
    readonly additionalSecretOutputs: string[];
    readonly deleteBeforeReplace: boolean;
    readonly ignoreChanges: string[];
    readonly replaceOnChanges: string[];
}

export interface RecordedInvoke {
    readonly token: string;
    readonly args: Record<string, any>;
    readonly provider: string;
    readonly packageRef: string;
}

export interface RecordedPackage {
    readonly baseProviderName: string;
    readonly baseProviderVersion: string;
    readonly name: string;
    readonly version: string;
    readonly parameter: string;
}

/** Answers an invoke's args with its result. */
export type InvokeAnswer = (args: Record<string, any>) => Record<string, any>;

/** Realistic ids for Authentik objects in the mocked instance. */
export const AUTHENTIK_IDS = {
    flow: (slug: string) => `flow-${slug}-0000-4000-8000-000000000000`,
    scope: (managed: string) => `scope-${managed.split("/").pop()}-uuid`,
    keyPair: (name: string) => `kp-${name.replace(/\s+/g, "-").toLowerCase()}-uuid`,
    group: (name: string) => `group-${name}-uuid`,
};

/** Default answers for the Authentik data sources the components use. */
export function authentikInvokes(): Record<string, InvokeAnswer> {
    return {
        "authentik:index/getFlow:getFlow": (args) => ({
            id: AUTHENTIK_IDS.flow(args.slug),
            slug: args.slug,
            name: args.slug,
            title: args.slug,
            designation: args.slug.includes("authentication") ? "authentication" : "authorization",
            authentication: "none",
        }),
        "authentik:index/getPropertyMappingProviderScope:getPropertyMappingProviderScope": (args) => {
            const lists: string[] = args.managedLists ?? (args.managed ? [args.managed] : []);
            const ids = lists.map((m) => AUTHENTIK_IDS.scope(m));
            return { id: ids[0] ?? "none", ids, managedLists: lists };
        },
        "authentik:index/getCertificateKeyPair:getCertificateKeyPair": (args) => ({
            id: AUTHENTIK_IDS.keyPair(args.name),
            name: args.name,
            certificateData: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            keyData: "",
            expiry: "2030-01-01T00:00:00Z",
            fingerprint1: "00:11",
            fingerprint256: "00:11:22",
        }),
        "authentik:index/getGroup:getGroup": (args) => ({
            id: AUTHENTIK_IDS.group(args.name),
            name: args.name,
            pk: AUTHENTIK_IDS.group(args.name),
            isSuperuser: false,
        }),
    };
}

/** Plain outputs the mocked engine adds to each resource type (what the provider would compute). */
function computedState(type: string, name: string, inputs: Record<string, any>, n: number): Record<string, any> {
    switch (type) {
        case "authentik:index/providerOauth2:ProviderOauth2":
            return {
                providerOauth2Id: String(100 + n),
                clientSecret: inputs.clientSecret ?? `generated-secret-${name}`,
            };
        case "authentik:index/application:Application":
            return { applicationId: inputs.slug, uuid: `app-${inputs.slug}-uuid` };
        case "authentik:index/group:Group":
            return { groupId: `group-${inputs.name}-uuid` };
        case "authentik:index/propertyMappingProviderScope:PropertyMappingProviderScope":
            return { propertyMappingProviderScopeId: `mapping-${name}-uuid` };
        case "authentik:index/policyBinding:PolicyBinding":
            return { policyBindingId: `binding-${name}-uuid` };
        case "command:remote:Command":
            return { stdout: "", stderr: "" };
        case "random:index/randomId:RandomId":
            // A create: fresh random bytes, as terraform-provider-random's random_id does.
            return randomIdState(randomBytes(Number(inputs.byteLength)));
        case "kubernetes:helm.sh/v3:Release":
            return {
                status: { name: inputs.name ?? name, namespace: inputs.namespace, status: "deployed", version: inputs.version, chart: inputs.chart, revision: 1 },
            };
        default:
            return {};
    }
}

/** The outputs of a random_id with these bytes (terraform-provider-random `resource_id.go`). */
export function randomIdState(bytes: Buffer): Record<string, string> {
    return {
        hex: bytes.toString("hex"),
        b64Std: bytes.toString("base64"),
        b64Url: bytes.toString("base64url"),
        dec: BigInt(`0x${bytes.toString("hex")}`).toString(10),
    };
}

/**
 * A stand-in for the random provider's state across `pulumi up` runs (pass its `state` as
 * HarnessOptions.state in each run): a RandomId whose keepers are the same as in the previous run
 * keeps its value; changed keepers replace it with new random bytes ("keepers: Arbitrary map of
 * values that, when changed, will trigger recreation of resource", @pulumi/random 4.21 randomId.d.ts).
 */
export function randomProviderStandIn(): { state: NonNullable<HarnessOptions["state"]> } {
    const previous = new Map<string, { keepers: string; state: Record<string, string> }>();
    return {
        state: (type, name, inputs) => {
            if (type !== "random:index/randomId:RandomId") {
                return undefined;
            }
            const keepers = JSON.stringify(inputs.keepers ?? {});
            const before = previous.get(name);
            if (before && before.keepers === keepers) {
                return before.state;
            }
            const state = randomIdState(randomBytes(Number(inputs.byteLength)));
            previous.set(name, { keepers, state });
            return state;
        },
    };
}

/** True when the serialized value at `path` (dot separated) is marked secret, or sits inside a secret. */
export function isSecretIn(raw: any, path: string): boolean {
    let cur = raw;
    for (const part of path.split(".")) {
        if (cur && typeof cur === "object" && cur[SIG_KEY] === SECRET_SIG) {
            return true;
        }
        if (cur === undefined || cur === null) {
            return false;
        }
        cur = cur[part];
    }
    return !!cur && typeof cur === "object" && cur[SIG_KEY] === SECRET_SIG;
}

/** Every string anywhere in a plain value, for "the secret appears nowhere" assertions. */
export function allStrings(value: any): string[] {
    if (typeof value === "string") {
        return [value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(allStrings);
    }
    if (value && typeof value === "object") {
        return Object.values(value).flatMap(allStrings);
    }
    return [];
}

function unwrapSecrets(raw: any): any {
    if (Array.isArray(raw)) {
        return raw.map(unwrapSecrets);
    }
    if (raw && typeof raw === "object") {
        if (raw[SIG_KEY] === SECRET_SIG) {
            return unwrapSecrets(raw.value);
        }
        const out: Record<string, any> = {};
        for (const [k, v] of Object.entries(raw)) {
            out[k] = unwrapSecrets(v);
        }
        return out;
    }
    return raw;
}

export interface HarnessOptions {
    project?: string;
    stack?: string;
    /** Extra or replacement invoke answers, by token. */
    invokes?: Record<string, InvokeAnswer>;
    /** Pulumi config, keys as `project:key` or `pkg:key`; values are strings as the CLI gives them. */
    config?: Record<string, string>;
    /** Config keys (as in `config`) that are secret. */
    secretKeys?: string[];
    /** Extra computed outputs by resource type. */
    state?: (type: string, name: string, inputs: Record<string, any>) => Record<string, any> | undefined;
}

/** The mock harness. Create one per test with `await MockHarness.install()`. */
export class MockHarness {
    readonly resources: RecordedResource[] = [];
    readonly invokes: RecordedInvoke[] = [];
    readonly packages: RecordedPackage[] = [];
    /** The state the mocked engine returned for each resource, by `<type>::<name>`. */
    readonly states = new Map<string, Record<string, any>>();
    /** Invokes the harness had no answer for; `assertNoUnknownInvokes` fails on any. */
    readonly unknownInvokes: string[] = [];
    private pending = 0;

    private constructor() {}

    static async install(options: HarnessOptions = {}): Promise<MockHarness> {
        const h = new MockHarness();
        const answers = { ...authentikInvokes(), ...(options.invokes ?? {}) };
        let counter = 0;
        if (options.config) {
            pulumi.runtime.setAllConfig(options.config, options.secretKeys ?? []);
        } else {
            pulumi.runtime.setAllConfig({}, []);
        }
        await pulumi.runtime.setMocks(
            {
                call: (args) => {
                    const answer = answers[args.token];
                    if (!answer) {
                        h.unknownInvokes.push(args.token);
                        throw new Error(`MockHarness: unknown invoke ${args.token}; add an answer for it`);
                    }
                    return answer(args.inputs);
                },
                newResource: (args) => {
                    counter += 1;
                    const extra = options.state?.(args.type, args.name, args.inputs) ?? {};
                    const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs, counter), ...extra };
                    h.states.set(`${args.type}::${args.name}`, state);
                    return { id: args.custom ? `${args.name}-id` : undefined, state };
                },
            },
            options.project ?? "headlamp-sso",
            options.stack ?? "test",
            false,
        );
        h.wrapMonitor();
        return h;
    }

    private wrapMonitor(): void {
        const monitor = pulumi.runtime.getMonitor() as any;
        const register = monitor.registerResource.bind(monitor);
        const invoke = monitor.invoke.bind(monitor);
        const registerPackage = monitor.registerPackage.bind(monitor);
        monitor.registerResource = (req: any, cb: (err: any, resp: any) => void) => {
            this.pending += 1;
            const raw = req.getObject()?.toJavaScript() ?? {};
            register(req, (err: any, resp: any) => {
                if (!err) {
                    this.resources.push({
                        type: req.getType(),
                        name: req.getName(),
                        urn: resp.getUrn(),
                        custom: req.getCustom(),
                        inputs: unwrapSecrets(raw),
                        rawInputs: raw,
                        parent: req.getParent(),
                        dependsOn: req.getDependenciesList(),
                        provider: req.getProvider(),
                        packageRef: req.getPackageref(),
                        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                        deleteBeforeReplace: req.getDeletebeforereplace(),
                        ignoreChanges: req.getIgnorechangesList(),
                        replaceOnChanges: req.getReplaceonchangesList(),
                    });
                }
                this.pending -= 1;
                cb(err, resp);
            });
        };
        monitor.invoke = (req: any, cb: (err: any, resp: any) => void) => {
            this.pending += 1;
            this.invokes.push({
                token: req.getTok(),
                args: unwrapSecrets(req.getArgs()?.toJavaScript() ?? {}),
                provider: req.getProvider(),
                packageRef: req.getPackageref(),
            });
            return invoke(req, (err: any, resp: any) => {
                this.pending -= 1;
                cb(err, resp);
            });
        };
        monitor.registerPackage = (req: any, cb: (err: any, resp: any) => void) => {
            const param = req.getParameterization();
            this.packages.push({
                baseProviderName: req.getName(),
                baseProviderVersion: req.getVersion(),
                name: param?.getName() ?? "",
                version: param?.getVersion() ?? "",
                parameter: param ? Buffer.from(param.getValue_asU8()).toString("utf8") : "",
            });
            return registerPackage(req, cb);
        };
    }

    /** Waits until no registration or invoke is in flight, over several turns of the event loop. */
    async settle(): Promise<void> {
        let quiet = 0;
        for (let i = 0; i < 2000 && quiet < 20; i++) {
            await new Promise((resolve) => setImmediate(resolve));
            quiet = this.pending === 0 ? quiet + 1 : 0;
        }
    }

    /** Every recorded resource of a type token. */
    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource with this type and name; fails when there is not exactly one. */
    one(type: string, name?: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
        if (found.length !== 1) {
            const names = this.ofType(type).map((r) => r.name);
            throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length} (${names.join(", ")})`);
        }
        return found[0];
    }

    /** The state (outputs) the mocked engine returned for the resource with this type and name. */
    stateOf(type: string, name: string): Record<string, any> {
        const state = this.states.get(`${type}::${name}`);
        if (state === undefined) {
            throw new Error(`no state for ${type} named ${name}`);
        }
        return state;
    }

    /** Resource by URN. */
    byUrn(urn: string): RecordedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }

    /** Every invoke of a token. */
    invokesOf(token: string): RecordedInvoke[] {
        return this.invokes.filter((i) => i.token === token);
    }

    /** Count of resources by type token. */
    countByType(): Record<string, number> {
        const counts: Record<string, number> = {};
        for (const r of this.resources) {
            counts[r.type] = (counts[r.type] ?? 0) + 1;
        }
        return counts;
    }

    assertNoUnknownInvokes(): void {
        if (this.unknownInvokes.length > 0) {
            throw new Error(`unmocked invokes: ${this.unknownInvokes.join(", ")}`);
        }
    }
}

/** Warnings logged through `pulumi.log.warn` while captured; `restore` puts the real logger back. */
export interface CapturedWarnings {
    readonly messages: string[];
    restore(): void;
}

/** Replaces `pulumi.log.warn` with a recorder, so a test can assert what a program or component warned. */
export function captureWarnings(): CapturedWarnings {
    const log = pulumi.log as { warn: typeof pulumi.log.warn };
    const realWarn = log.warn;
    const messages: string[] = [];
    log.warn = (msg: string) => {
        messages.push(msg);
        return Promise.resolve();
    };
    return { messages, restore: () => { log.warn = realWarn; } };
}

/** Resolves an Output's value under mocks. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/** Resolves whether an Output is secret. */
export function secretOf<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/** Runs `fn` and returns the error it throws (sync or async), failing when it does not throw. */
export async function errorOf(fn: () => unknown): Promise<Error> {
    try {
        await fn();
    } catch (e) {
        return e as Error;
    }
    throw new Error("expected an error, none was thrown");
}

/**
 * The content K3sOidcApiServer's script installs at `$<variable>` (`dropin`, `authcfg`, `ca_file`):
 * files travel base64-encoded in the runbook's header (`dropin_b64=`, `authcfg_b64=`, `ca_b64=`,
 * shell-quoted); `''` there means the script makes sure the file is absent (undefined here).
 */
export function fileWrittenBy(script: string, variable: string): string | undefined {
    const header = ({ dropin: "dropin_b64", authcfg: "authcfg_b64", ca_file: "ca_b64" } as Record<string, string>)[variable];
    const m = header === undefined ? null : new RegExp(`\\n${header}=([A-Za-z0-9+/\\\\=]+|'')\\n`).exec(script);
    if (!m) {
        throw new Error(`the script considers no $${variable}`);
    }
    return m[1] === "''" ? undefined : Buffer.from(m[1].replace(/\\/g, ""), "base64").toString("utf8");
}
