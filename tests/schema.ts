// The multi-language schema of the component package (provider/), built as the Pulumi plugin host
// builds it (ComponentProvider.getSchema): the Node.js analyzer reads provider/tsconfig.json and
// follows provider/package.json's entry into ../components.
import * as path from "path";
import { Analyzer, AnalyzeResult } from "@pulumi/pulumi/provider/experimental/analyzer";
import { generateSchema, PackageSpec } from "@pulumi/pulumi/provider/experimental/schema";
import { markSecrets } from "../provider/schema";
import { Manifest, readJson, ROOT } from "./npm";

/** The plugin folder: PulumiPlugin.yaml, package.json, index.ts, tsconfig.json. */
export const PROVIDER_DIR = path.join(ROOT, "provider");

/** The components the package serves. */
export const COMPONENTS = ["AuthentikOidcApp", "K3sOidcApiServer", "HeadlampRelease"];

/** provider/package.json. */
export function providerPackage(): Manifest {
    return readJson<Manifest>("provider", "package.json");
}

/** The provider name the plugin host derives from package.json's name (cmd/run-plugin/run.ts). */
export function providerName(): string {
    return /(@.*?\/)?(.+)/.exec(providerPackage().name)![2].replace(/[^-a-zA-Z0-9_]/g, "-");
}

/** Analyzes the given components; throws on the first type the analyzer rejects. */
export function analyze(components: string[] = COMPONENTS): AnalyzeResult {
    return new Analyzer(PROVIDER_DIR, providerName(), providerPackage(), new Set(components)).analyze();
}

/**
 * The schema from an analysis, as the plugin serves it: ComponentProvider.getSchema's, with the
 * secret properties marked (provider/index.ts).
 */
export function schemaOf(analysis: AnalyzeResult = analyze()): PackageSpec {
    const pkg = providerPackage();
    return markSecrets(generateSchema(providerName(), pkg.version, pkg.description ?? "", analysis.components, analysis.typeDefinitions, analysis.dependencies));
}
