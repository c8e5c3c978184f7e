// Offline check of the repository's Markdown links: every relative link names a file or folder that
// exists, and every `#anchor` (on the same page or another Markdown file) names a heading there,
// by GitHub's anchor rules. Pure apart from reading files.
import * as fs from "fs";
import * as path from "path";

/** Folders never searched for Markdown files (dependencies, build output, VCS). */
const SKIP = new Set(["node_modules", ".git", "bin"]);

/** Every `.md` file under `root`, relative to it, sorted. */
export function markdownFiles(root: string, dir = ""): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory() && !SKIP.has(entry.name)) {
            out.push(...markdownFiles(root, rel));
        } else if (entry.isFile() && entry.name.endsWith(".md")) {
            out.push(rel);
        }
    }
    return out.sort();
}

/** The text of a Markdown file without its fenced code blocks. */
function withoutFences(markdown: string): string {
    return markdown.replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, "");
}

/** Without fenced code blocks and inline code spans either (links there are not links). */
function withoutCode(markdown: string): string {
    return withoutFences(markdown).replace(/`[^`\n]*`/g, "``");
}

/**
 * GitHub's anchor for a heading, as github-slugger makes it (Flet/github-slugger,
 * `script/generate-regex.mjs`): the heading's text as rendered (code spans, emphasis and links
 * reduced to their text), lower-cased, with the Unicode categories it strips removed (punctuation
 * but `_` and `-`, symbols, controls, format, separators but the space, other numbers), and each
 * space turned into `-`. A repeated anchor on one page gets `-1`, `-2`, ... appended.
 */
export function githubSlug(heading: string): string {
    const text = heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "")
        .replace(/[*`]/g, "");
    return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** The anchors of a Markdown file: its ATX headings' slugs (with GitHub's `-n` suffixes for repeats). */
export function anchorsOf(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const anchors = new Set<string>();
    for (const line of withoutFences(markdown).split("\n")) {
        const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!m) {
            continue;
        }
        const base = githubSlug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    return anchors;
}

/** Inline links and images `[text](target)` of a Markdown file, outside code. */
export function linksOf(markdown: string): string[] {
    const links: string[] = [];
    for (const m of withoutCode(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        links.push(m[1]);
    }
    return links;
}

/**
 * Every broken relative link and anchor in the repository's Markdown files, one line each:
 * `file: link (why)`. External links (a scheme or `//`) and mail links are not followed.
 */
export function brokenLinks(root: string): string[] {
    const problems: string[] = [];
    const anchorCache = new Map<string, Set<string>>();
    const anchors = (file: string) => {
        if (!anchorCache.has(file)) {
            anchorCache.set(file, anchorsOf(fs.readFileSync(path.join(root, file), "utf8")));
        }
        return anchorCache.get(file)!;
    };
    for (const file of markdownFiles(root)) {
        for (const link of linksOf(fs.readFileSync(path.join(root, file), "utf8"))) {
            if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("//")) {
                continue;
            }
            const [target, anchor] = link.split("#", 2) as [string, string | undefined];
            const resolved = target === "" ? file : path.normalize(path.join(path.dirname(file), decodeURIComponent(target)));
            if (resolved.startsWith("..") || !fs.existsSync(path.join(root, resolved))) {
                problems.push(`${file}: ${link} (no file ${resolved})`);
                continue;
            }
            if (anchor !== undefined) {
                if (!resolved.endsWith(".md")) {
                    problems.push(`${file}: ${link} (an anchor into ${resolved}, which is not Markdown)`);
                } else if (!anchors(resolved).has(anchor)) {
                    problems.push(`${file}: ${link} (${resolved} has no heading with the anchor #${anchor})`);
                }
            }
        }
    }
    return problems;
}

if (require.main === module) {
    const problems = brokenLinks(path.join(__dirname, ".."));
    console.log(problems.length ? problems.join("\n") : "every link resolves");
    process.exitCode = problems.length ? 1 : 0;
}
