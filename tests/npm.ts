// Offline npm installs for the package tests: lockfiles made of the repository's own locked versions
// (so npm takes every tarball out of the cache `npm ci` filled, and never asks the registry), and a
// way to run npm and other tools as a child without what `npm test` sets for this package.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");

export interface LockEntry {
    version?: string;
    resolved?: string;
    integrity?: string;
    link?: boolean;
    dev?: boolean;
    devOptional?: boolean;
    optional?: boolean;
    peer?: boolean;
    inBundle?: boolean;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    [key: string]: unknown;
}

export interface Manifest {
    name: string;
    version: string;
    description?: string;
    main?: string;
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    bundleDependencies: string[];
    license: string;
    engines?: Record<string, string>;
    bin?: Record<string, string>;
}

export interface LockFile {
    name: string;
    version: string;
    lockfileVersion: number;
    requires: boolean;
    packages: Record<string, LockEntry>;
}

/** A JSON file of the repository (package.json, package-lock.json...). */
export function readJson<T>(...segments: string[]): T {
    return JSON.parse(fs.readFileSync(path.join(ROOT, ...segments), "utf8")) as T;
}

/** Where node would find `name` when required from the package at lock path `from` ("" = root). */
export function resolveInLock(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
    let base = from;
    for (;;) {
        const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
        if (packages[candidate]) {
            return candidate;
        }
        if (!base) {
            return undefined;
        }
        const i = base.lastIndexOf("/node_modules/");
        base = i < 0 ? "" : base.slice(0, i);
    }
}

/**
 * Adds to `out` every registry package the `[from, name]` requirements need, with their own
 * dependencies, at the same place in the tree as in the repository's package-lock.json, as plain
 * (not dev, not peer) entries. Entries already in `out` are kept. With `registry`, each entry gets
 * its tarball URL: the repository's lockfile omits `resolved` (omit-lockfile-registry-resolved), and
 * without it npm would read each package's registry metadata to find the tarball; with the URL it
 * takes the tarball straight from the cache, which is all `npm ci` is sure to have put there.
 */
export function addLockedClosure(out: Record<string, LockEntry>, requirements: [string, string][], registry?: string): void {
    const repo = readJson<LockFile>("package-lock.json").packages;
    const queue = [...requirements];
    while (queue.length > 0) {
        const [from, name] = queue.shift()!;
        const at = resolveInLock(repo, from, name);
        if (at === undefined || out[at]) {
            continue;
        }
        const entry = { ...repo[at] };
        if (entry.link) {
            throw new Error(`${name} is a link in package-lock.json; give its entry explicitly`);
        }
        delete entry.dev;
        delete entry.devOptional;
        delete entry.peer;
        if (registry && entry.resolved === undefined && entry.version && entry.integrity) {
            const pkgName = typeof entry.name === "string" ? entry.name : at.slice(at.lastIndexOf("node_modules/") + "node_modules/".length);
            entry.resolved = `${registry}${pkgName}/-/${pkgName.split("/").pop()}-${entry.version}.tgz`;
        }
        out[at] = entry;
        const meta = entry.peerDependenciesMeta ?? {};
        const next = [
            ...Object.keys(entry.dependencies ?? {}),
            ...Object.keys(entry.optionalDependencies ?? {}),
            ...Object.keys(entry.peerDependencies ?? {}).filter((p) => !meta[p]?.optional),
        ];
        for (const dep of next) {
            queue.push([at, dep]);
        }
    }
}

/**
 * provider/'s lockfile as it must be: the root package, its link to the local Authentik SDK, and
 * every registry package its dependencies need at the versions (and tree places) of the
 * repository's package-lock.json, so the plugin runs on what the tests ran on.
 */
export function providerLock(registry?: string): LockFile {
    const pkg = readJson<Manifest>("provider", "package.json");
    const sdk = readJson<Manifest>("sdks", "authentik", "package.json");
    const out: Record<string, LockEntry> = {
        "": { name: pkg.name, version: pkg.version, hasInstallScript: true, license: pkg.license, dependencies: pkg.dependencies, engines: pkg.engines },
        "../sdks/authentik": { name: sdk.name, version: sdk.version, license: sdk.license, peerDependencies: sdk.peerDependencies },
        "node_modules/@pulumi/authentik": { resolved: "../sdks/authentik", link: true },
    };
    addLockedClosure(out, Object.keys(pkg.dependencies).filter((d) => d !== sdk.name).map((d): [string, string] => ["", d]), registry);
    return { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages: out };
}

/** The registry npm is configured with, ending in "/". */
export function npmRegistry(): string {
    const registry = run("npm", ["config", "get", "registry"], ROOT, 30_000).trim() || "https://registry.npmjs.org/";
    return registry.endsWith("/") ? registry : `${registry}/`;
}

/** The environment of a child process: the caller's, without what `npm test` sets for this package. */
export function childEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (/^npm_(package|lifecycle)_/.test(k) || k === "INIT_CWD" || /^npm_config_(local_)?prefix$/.test(k)) {
            continue;
        }
        env[k] = v;
    }
    return env;
}

/** Runs a command to completion; the error carries its output. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs: number): string {
    try {
        return execFileSync(cmd, args, { cwd, env: childEnv(), encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        const err = e as { stdout?: string; stderr?: string; message: string };
        throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}: ${err.message}\n--- stdout\n${err.stdout ?? ""}\n--- stderr\n${err.stderr ?? ""}`);
    }
}

// `npx ts-node tests/npm.ts` rewrites provider/package-lock.json from package-lock.json (after the
// root's dependencies changed and provider/package.json's pins were updated to match).
if (require.main === module) {
    const lock = providerLock();
    // In npm's order: the root first, then by path.
    const keys = Object.keys(lock.packages).sort((a, b) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b, "en")));
    lock.packages = Object.fromEntries(keys.map((k) => [k, lock.packages[k]]));
    fs.writeFileSync(path.join(ROOT, "provider", "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
    console.log("wrote provider/package-lock.json");
}
