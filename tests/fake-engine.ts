// A stand-in for the Pulumi engine's two gRPC services that a plugin's Construct talks to: the
// Engine (logging) and the ResourceMonitor (resource registration), on 127.0.0.1. It follows the
// engine's side of pulumi/pulumi's proto/pulumi/resource.proto and engine.proto as the Node.js SDK
// uses them (runtime/settings.ts awaitFeatureSupport, runtime/resource.ts registerResource,
// registerResourceOutputs): SupportsFeature answers for the features the real engine has,
// RegisterResource returns the URN the engine derives from the parent's URN, the type and the name
// (`urn:pulumi:<stack>::<project>::<parent types$>type::name`), an id for custom resources and the
// inputs as outputs (the engine's preview of a create without a provider), and every registration
// is recorded. It uses this repository's @pulumi/pulumi protobuf stubs, in this process: the plugin
// under test runs in its own process, with its own copy.
import * as path from "path";

/* eslint-disable @typescript-eslint/no-require-imports */
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
const resrpc = require(path.join(pulumiDir, "proto", "resource_grpc_pb.js"));
const respb = require(path.join(pulumiDir, "proto", "resource_pb.js"));
const enginerpc = require(path.join(pulumiDir, "proto", "engine_grpc_pb.js"));
const enginepb = require(path.join(pulumiDir, "proto", "engine_pb.js"));
const emptypb = require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] }));
const structpb = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }));
/* eslint-enable @typescript-eslint/no-require-imports */

/** Features the engine (CLI 3.274) reports as supported to the Node.js SDK. */
const FEATURES = new Set(["secrets", "resourceReferences", "outputValues", "deletedWith", "aliasSpecs", "transforms", "invokeTransforms", "parameterization", "resourceHooks"]);

/** One RegisterResource call as the engine received it. */
export interface Registration {
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    urn: string;
    inputs: Record<string, unknown>;
}

export interface FakeEngine {
    /** `127.0.0.1:<port>`, both services. */
    address: string;
    registrations: Registration[];
    /** RegisterResourceOutputs calls: URN -> outputs. */
    outputs: Map<string, Record<string, unknown>>;
    /** Log lines the plugin sent (severity and message). */
    logs: string[];
    stop(): Promise<void>;
}

/** Starts the stand-in engine for project `project`, stack `stack`. */
export async function startFakeEngine(project = "consumer", stack = "dev"): Promise<FakeEngine> {
    const registrations: Registration[] = [];
    const outputs = new Map<string, Record<string, unknown>>();
    const logs: string[] = [];
    const typeOf = new Map<string, string>();
    const server = new grpc.Server();
    type Unary = (call: { request: any }, callback: (err: Error | null, resp?: unknown) => void) => void;
    const unary = (fn: (req: any) => unknown): Unary => (call, callback) => {
        try {
            callback(null, fn(call.request));
        } catch (err) {
            callback(err as Error);
        }
    };
    server.addService(enginerpc.EngineService, {
        log: unary((req) => {
            logs.push(`${req.getSeverity()}: ${req.getMessage()}`);
            return new emptypb.Empty();
        }),
        getRootResource: unary(() => new enginepb.GetRootResourceResponse()),
        setRootResource: unary(() => new enginepb.SetRootResourceResponse()),
    });
    server.addService(resrpc.ResourceMonitorService, {
        supportsFeature: unary((req) => {
            const resp = new respb.SupportsFeatureResponse();
            resp.setHassupport(FEATURES.has(req.getId()));
            return resp;
        }),
        registerResource: unary((req) => {
            const type: string = req.getType();
            const name: string = req.getName();
            const parent: string = req.getParent();
            const parentTypes = parent ? `${parent.split("::")[2]}$` : "";
            const urn = `urn:pulumi:${stack}::${project}::${parentTypes}${type}::${name}`;
            typeOf.set(urn, type);
            const inputs = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
            registrations.push({ type, name, custom: req.getCustom(), parent, urn, inputs });
            const resp = new respb.RegisterResourceResponse();
            resp.setUrn(urn);
            if (req.getCustom()) {
                resp.setId(`${name}-id`);
            }
            resp.setObject(structpb.Struct.fromJavaScript(inputs));
            return resp;
        }),
        registerResourceOutputs: unary((req) => {
            outputs.set(req.getUrn(), (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
            return new emptypb.Empty();
        }),
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) => (err ? reject(err) : resolve(p))));
    return {
        address: `127.0.0.1:${port}`,
        registrations,
        outputs,
        logs,
        stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
