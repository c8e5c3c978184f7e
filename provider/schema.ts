// The schema the plugin serves: the Node.js analyzer's, with every secret property marked
// `secret: true` (the analyzer cannot mark one; see ../components/secrets.ts).
import { PackageSpec, Property } from "@pulumi/pulumi/provider/experimental/schema";
import { SECRET_PROPERTIES } from "../components/secrets";

/** A schema property; `secret` is the package schema's own field (schema/#property). */
export type SchemaProperty = Property & { secret?: boolean };

/**
 * Returns a copy of `schema` with each property of `secrets` (by owner name: a component's inputs
 * and outputs, or an object type's properties) marked `secret: true`. Throws when an entry names
 * an owner or a property the schema lacks: a renamed secret arg must not be served unmarked.
 */
export function markSecrets(schema: PackageSpec, secrets: Readonly<Record<string, readonly string[]>> = SECRET_PROPERTIES): PackageSpec {
    const out = JSON.parse(JSON.stringify(schema)) as PackageSpec;
    const missing: string[] = [];
    for (const [owner, names] of Object.entries(secrets)) {
        const token = `${out.name}:index:${owner}`;
        const resource = out.resources?.[token];
        const maps: Array<Record<string, SchemaProperty> | undefined> = resource
            ? [resource.inputProperties, resource.properties]
            : [out.types?.[token]?.properties];
        for (const name of names) {
            const found = maps.filter((m) => m?.[name] !== undefined);
            if (found.length === 0) {
                missing.push(`${owner}.${name}`);
            }
            for (const m of found) {
                m![name] = { ...m![name], secret: true };
            }
        }
    }
    if (missing.length > 0) {
        throw new Error(`headlamp-sso: the schema has no ${missing.join(", ")}; update SECRET_PROPERTIES in components/secrets.ts to the args' current names.`);
    }
    return out;
}
