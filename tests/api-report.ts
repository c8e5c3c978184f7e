// The package's public API report (etc/headlamp-sso.api.md): every name each entry point of the
// package exports (package.json "exports": `headlamp-sso` and `headlamp-sso/program`), its kind and
// its shape (an interface's properties, a class's constructor and outputs, a const's type, a
// function's signature), read from the TypeScript sources with the compiler's own checker, as
// @microsoft/api-extractor's report does. `npm test`'s type-check (tests/static-checks.js) compares
// it with the committed file over the program it has already checked (no second TypeScript program),
// so a change of the surface is a reviewed change; tests/public-api.test.ts checks the committed
// file against what the package exports at run time.
//
//   npm run api-report              rewrites etc/headlamp-sso.api.md (after reviewing the diff)
//   npm run api-report -- --check   fails, printing the difference, when the file is out of date
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

/** The committed report. */
export const REPORT_FILE = path.join(ROOT, "etc", "headlamp-sso.api.md");

/** The package's entry points (package.json "exports") and their sources. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
    "headlamp-sso": "components/index.ts",
    "headlamp-sso/program": "program/deploy.ts",
};

/** A re-exported package, named rather than listed member by member (the bundled Authentik SDK). */
const OPAQUE_NAMESPACES = new Set(["authentik"]);

const FORMAT = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;

/** One exported name: its kind(s) and the lines that describe its shape. */
export interface ApiEntry {
    readonly name: string;
    /** e.g. `class`, `interface`, `const`, `const + type` (an `as const` string enum), `function`, `namespace`. */
    readonly kind: string;
    readonly shape: string[];
    /** Whether the name exists at run time (a value), not only for the type-checker. */
    readonly value: boolean;
}

function kindOf(symbol: ts.Symbol): { kind: string; value: boolean } {
    const f = symbol.flags;
    const kinds: string[] = [];
    if (f & ts.SymbolFlags.Class) {
        kinds.push("class");
    } else if (f & ts.SymbolFlags.Function) {
        kinds.push("function");
    } else if (f & ts.SymbolFlags.Enum) {
        kinds.push("enum");
    } else if (f & ts.SymbolFlags.ValueModule) {
        kinds.push("namespace");
    } else if (f & ts.SymbolFlags.Variable) {
        kinds.push("const");
    }
    if (f & ts.SymbolFlags.Interface) {
        kinds.push("interface");
    } else if (f & ts.SymbolFlags.TypeAlias) {
        kinds.push("type");
    }
    return { kind: kinds.join(" + "), value: (f & ts.SymbolFlags.Value) !== 0 };
}

function shapeOf(checker: ts.TypeChecker, name: string, symbol: ts.Symbol, kind: string): string[] {
    const decl = symbol.declarations?.[0];
    if (!decl || OPAQUE_NAMESPACES.has(name)) {
        return [];
    }
    const props = (type: ts.Type, prefix: string) => checker.getPropertiesOfType(type)
        .filter((p) => !(p.valueDeclaration && ts.getCombinedModifierFlags(p.valueDeclaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)))
        .filter((p) => !p.name.startsWith("__"))
        .map((p) => `${prefix}${p.name}${p.flags & ts.SymbolFlags.Optional ? "?" : ""}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(p, decl), undefined, FORMAT)}`)
        .sort();
    if (kind.startsWith("class")) {
        const ctorType = checker.getTypeOfSymbolAtLocation(symbol, decl);
        const ctors = ctorType.getConstructSignatures().map((s) => `constructor${checker.signatureToString(s, undefined, FORMAT)}`);
        // The class's own outputs (not those inherited from pulumi.ComponentResource).
        const own = checker.getDeclaredTypeOfSymbol(symbol);
        const base = own.getBaseTypes()?.[0];
        const inherited = new Set(base ? checker.getPropertiesOfType(base).map((p) => p.name) : []);
        return [...ctors, ...props(own, "").filter((line) => !inherited.has(line.split(/[?:]/)[0]))];
    }
    if (kind.startsWith("interface")) {
        return props(checker.getDeclaredTypeOfSymbol(symbol), "");
    }
    if (kind.startsWith("function")) {
        return checker.getTypeOfSymbolAtLocation(symbol, decl).getCallSignatures().map((s) => checker.signatureToString(s, undefined, FORMAT));
    }
    if (kind.startsWith("const")) {
        const type = checker.getTypeOfSymbolAtLocation(symbol, decl);
        return type.getProperties().length > 0 ? props(type, "") : [checker.typeToString(type, undefined, FORMAT)];
    }
    return [];
}

/** The two entry points in a program of their own (with tsconfig.json's options). */
function entryProgram(): ts.Program {
    const files = Object.values(ENTRY_POINTS).map((f) => path.join(ROOT, f));
    const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    return ts.createProgram(files, { ...config?.options, noEmit: true, types: ["node"] });
}

/** Every entry point's exports, by entry point, sorted by name, from `program` (one that holds both entry points). */
export function apiOf(program: ts.Program = entryProgram()): Record<string, ApiEntry[]> {
    const checker = program.getTypeChecker();
    const out: Record<string, ApiEntry[]> = {};
    for (const [entry, file] of Object.entries(ENTRY_POINTS)) {
        const source = program.getSourceFile(path.join(ROOT, file));
        const moduleSymbol = source && checker.getSymbolAtLocation(source);
        if (!moduleSymbol) {
            throw new Error(`api-report: cannot read ${file}`);
        }
        out[entry] = checker.getExportsOfModule(moduleSymbol).map((exported) => {
            const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
            const { kind, value } = kindOf(symbol);
            return { name: exported.name, kind, value, shape: shapeOf(checker, exported.name, symbol, kind) };
        }).sort((a, b) => a.name.localeCompare(b.name, "en"));
    }
    return out;
}

/** The report's text. */
export function renderReport(api: Record<string, ApiEntry[]>): string {
    const lines = [
        "# headlamp-sso: public API",
        "",
        "Generated by `npm run api-report` (tests/api-report.ts) from the package's entry points;",
        "tests/public-api.test.ts fails when the sources and this file differ. Every name below is a",
        "promise to library users: review a change here as an API change.",
    ];
    for (const [entry, entries] of Object.entries(api)) {
        lines.push("", `## ${entry}`, "", "```ts");
        for (const e of entries) {
            lines.push(`${e.kind} ${e.name}${e.shape.length > 0 ? " {" : ""}`);
            lines.push(...e.shape.map((s) => `    ${s}`));
            if (e.shape.length > 0) {
                lines.push("}");
            }
        }
        lines.push("```");
    }
    return `${lines.join("\n")}\n`;
}

/** What to run when the committed report is out of date. */
export const REWRITE = "If the change is intended, run `npm run api-report` and commit etc/headlamp-sso.api.md with it (review its diff: every exported name is a promise to library users).";

/** The lines that differ between the committed report and `report`, or undefined when none do. */
export function reportDifference(report: string): string | undefined {
    const committed = fs.existsSync(REPORT_FILE) ? fs.readFileSync(REPORT_FILE, "utf8") : "";
    if (committed === report) {
        return undefined;
    }
    const now = new Set(report.split("\n"));
    const before = new Set(committed.split("\n"));
    const lines = [
        ...committed.split("\n").filter((l) => !now.has(l)).map((l) => `- ${l}`),
        ...report.split("\n").filter((l) => !before.has(l)).map((l) => `+ ${l}`),
    ];
    return `the public API differs from etc/headlamp-sso.api.md (- committed, + the sources):\n${lines.join("\n")}\n${REWRITE}`;
}

if (require.main === module) {
    const report = renderReport(apiOf());
    if (process.argv.includes("--check")) {
        const difference = reportDifference(report);
        console.log(difference ?? "etc/headlamp-sso.api.md is up to date");
        process.exit(difference === undefined ? 0 : 1);
    }
    fs.mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
    fs.writeFileSync(REPORT_FILE, report);
    console.log(`wrote ${path.relative(ROOT, REPORT_FILE)}`);
}
