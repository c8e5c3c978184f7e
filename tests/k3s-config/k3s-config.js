// K3s's reading of its config files and its kube-apiserver args, for the test stand-ins and the
// kube-apiserver tier: one plain CommonJS module (it needs only `yaml`) so that both TypeScript
// tests and the stand-ins' node script can require it. Types: k3s-config.d.ts beside it.
//
// It follows K3s's own source (k3s-io/k3s):
//   - pkg/configfilearg/parser.go, readConfigFile / dotDFiles: the config file first (it may be
//     missing when drop-ins exist), then `<config>.d/` entries in os.ReadDir order (sorted by
//     file name, byte-wise), skipping directories and names not ending in .yaml/.yml matched
//     case-insensitively (util.HasSuffixI). Each file is a YAML mapping read with gopkg.in/yaml.v2
//     (YAML 1.1: unquoted yes/no/on/off/y/n are booleans, converted back to "true"/"false" by
//     wrangler's convert.ToString) into a MapSlice, so keys keep their order and a key may repeat.
//     A key ending in "+" appends to the value seen so far when there is one; any other key
//     replaces it. Keys come out in the order they were first seen, each value as `--key=value`
//     (`-k=value` for one-letter keys), a list as one `--key=item` per item.
//   - Parser.Parse: those args go right after the `server` word, before the unit's own
//     (ExecStart) args, so the unit's args come last.
//   - pkg/cli/cmds/server.go: `kube-apiserver-arg` is a urfave/cli (v1) StringSliceFlag, so every
//     occurrence is kept, in order, without splitting on commas; a single-valued flag keeps the
//     last occurrence.
//   - pkg/util/args.go, GetArgs: the kube-apiserver command line is K3s's defaults with those
//     extra args applied: `name=value` replaces the default (repeats are all kept, and
//     kube-apiserver's own flag parser then keeps the last), `name+=value` appends to it,
//     `name-=value` prepends; the result is sorted by flag name, repeats in order.
"use strict";
const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

/** The drop-in files K3s reads for `configFile`, in order (pkg/configfilearg dotDFiles). */
function dropInFiles(configFile) {
    const dir = `${configFile}.d`;
    let entries;
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
        if (e.code === "ENOENT") {
            return [];
        }
        throw e;
    }
    return entries
        .filter((e) => !e.isDirectory() && /\.(yaml|yml)$/i.test(e.name))
        .map((e) => e.name)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map((name) => path.join(dir, name));
}

/** wrangler's convert.ToString for the scalars YAML 1.1 yields. */
function toString(v) {
    if (v === null || v === undefined) {
        return "";
    }
    if (typeof v === "string") {
        return v;
    }
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
        return String(v);
    }
    return JSON.stringify(v);
}

/** The top-level pairs of one config file, in order, repeats kept (yaml.v2 into a MapSlice). */
function readPairs(file) {
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"), { version: "1.1", uniqueKeys: false });
    if (doc.errors.length > 0) {
        throw new Error(`${file}: ${doc.errors[0].message}`);
    }
    if (doc.contents === null) {
        return [];
    }
    if (!YAML.isMap(doc.contents)) {
        throw new Error(`${file}: yaml: unmarshal errors: cannot unmarshal a non-mapping into yaml.MapSlice`);
    }
    return doc.contents.items.map((pair) => [toString(YAML.isNode(pair.key) ? pair.key.toJSON() : pair.key), YAML.isNode(pair.value) ? pair.value.toJSON() : pair.value]);
}

/** pkg/configfilearg toSlice. */
function toSlice(v) {
    if (typeof v === "string") {
        return [v];
    }
    if (Array.isArray(v)) {
        return v;
    }
    const s = toString(v).trim();
    return s === "" ? [] : [s];
}

/**
 * The args K3s derives from `configFile` and its drop-ins (pkg/configfilearg readConfigFile), e.g.
 * ["--write-kubeconfig-mode=0644", "--kube-apiserver-arg=a=b", ...]. Returns [] when neither the
 * file nor any drop-in exists (Parse then leaves the args alone).
 */
function readConfigFile(configFile) {
    const files = dropInFiles(configFile);
    if (fs.existsSync(configFile)) {
        files.unshift(configFile);
    } else if (files.length === 0) {
        return [];
    }
    const order = [];
    const values = new Map();
    for (const file of files) {
        for (const [rawKey, v] of readPairs(file)) {
            const isAppend = rawKey.endsWith("+");
            const key = isAppend ? rawKey.slice(0, -1) : rawKey;
            if (!values.has(key)) {
                order.push(key);
            }
            if (values.has(key) && isAppend) {
                values.set(key, [...toSlice(values.get(key)), ...toSlice(v)]);
            } else {
                values.set(key, v);
            }
        }
    }
    const out = [];
    for (const key of order) {
        const v = values.get(key);
        const prefix = key.length === 1 ? "-" : "--";
        if (Array.isArray(v)) {
            for (const item of v) {
                out.push(`${prefix}${key}=${toString(item)}`);
            }
        } else {
            out.push(`${prefix}${key}=${toString(v)}`);
        }
    }
    return out;
}

/**
 * Every value of one urfave/cli flag in `args` (`--name=v`, `-name=v`, `--name v`), in order.
 * Slice flags keep them all; a single-valued flag keeps the last.
 */
function flagValues(args, name) {
    const out = [];
    for (let i = 0; i < args.length; i++) {
        const m = /^--?([^=]+)(?:=([\s\S]*))?$/.exec(args[i]);
        if (!m || m[1] !== name) {
            continue;
        }
        if (m[2] !== undefined) {
            out.push(m[2]);
        } else if (i + 1 < args.length) {
            out.push(args[++i]);
        }
    }
    return out;
}

/**
 * The `kube-apiserver-arg` values K3s ends up with: those of `configFile` and its drop-ins, then
 * those of the unit's own args (`unitArgs`, the words after `server` in ExecStart), in order,
 * each as written (e.g. "oidc-issuer-url=https://..." or "anonymous-auth+=..." ).
 */
function kubeApiserverArgs(configFile, unitArgs) {
    return flagValues([...readConfigFile(configFile), ...(unitArgs || [])], "kube-apiserver-arg");
}

/**
 * K3s's pkg/util/args.go GetArgs: `initialArgs` (K3s's defaults, flag name to value) with the
 * extra args applied; returns the kube-apiserver command line, sorted by flag name.
 */
function getArgs(initialArgs, extraArgs) {
    const initial = new Map(Object.entries(initialArgs));
    const multi = new Map();
    for (const unsplit of extraArgs) {
        const raw = unsplit.startsWith("--") ? unsplit.slice(2) : unsplit;
        const eq = raw.indexOf("=");
        const arg = eq < 0 ? raw : raw.slice(0, eq);
        const value = eq < 0 ? "true" : raw.slice(eq + 1);
        const cleaned = arg.replace(/[-+]+$/, "");
        const hasInitial = initial.has(cleaned);
        const existing = multi.get(cleaned);
        let next = [];
        if (arg.endsWith("+")) {
            next = [...(hasInitial ? [initial.get(cleaned)] : []), ...(existing || []), value];
        } else if (arg.endsWith("-")) {
            next = [value, ...(hasInitial ? [initial.get(cleaned)] : []), ...(existing || [])];
        } else {
            next = [...(existing || []), value];
        }
        initial.delete(cleaned);
        multi.set(cleaned, next);
    }
    for (const [k, v] of initial) {
        multi.set(k, [v]);
    }
    const keys = [...multi.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const out = [];
    for (const k of keys) {
        for (const v of multi.get(k)) {
            out.push(`--${k.replace(/^--/, "")}=${v}`);
        }
    }
    return out;
}

module.exports = { dropInFiles, readConfigFile, flagValues, kubeApiserverArgs, getArgs };
