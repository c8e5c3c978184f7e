// What a check says, and how the doctor prints it: one line per check (✔ passed, ✘ failed, –
// skipped), the cause and the fix under each ✘, or the same list as JSON. Pure: no I/O here.

/** The three results a check can have. */
export const STATUS = { pass: "pass", fail: "fail", skip: "skip" } as const;
export type Status = (typeof STATUS)[keyof typeof STATUS];

/** The result of one check: what was found and, when it failed, the fix. */
export interface Outcome {
    /** pass, fail or skip. */
    readonly status: Status;
    /** What was found (pass), what is wrong (fail) or why it was not checked (skip). Never a secret. */
    readonly detail: string;
    /** For a failure: what to change, in one or two sentences. */
    readonly fix?: string;
}

/** One line of the report: the check's name and its outcome. */
export interface CheckResult extends Outcome {
    readonly check: string;
    /** For the per-server checks: `user@host:port`. */
    readonly server?: string;
}

export function pass(detail: string): Outcome {
    return { status: STATUS.pass, detail };
}

export function fail(detail: string, fix: string): Outcome {
    return { status: STATUS.fail, detail, fix };
}

export function skip(detail: string): Outcome {
    return { status: STATUS.skip, detail };
}

const MARK: Record<Status, string> = { pass: "✔", fail: "✘", skip: "–" };

/** `✔ issuer  discovery at ... answers` and, for a failure, indented `cause:`/`fix:` lines. */
export function formatLine(result: CheckResult, width: number): string {
    const head = `${MARK[result.status]} ${result.check.padEnd(width)}  ${result.status === STATUS.skip ? `skipped: ${result.detail}` : result.detail}`;
    if (result.status !== STATUS.fail) {
        return head;
    }
    return `${head}\n  ${" ".repeat(width)}  fix: ${result.fix ?? ""}`;
}

/** The last line of the text report: the first broken link, or that there is none. */
export function summaryOf(results: readonly CheckResult[]): string {
    const failed = results.filter((r) => r.status === STATUS.fail);
    const skipped = results.filter((r) => r.status === STATUS.skip).length;
    const passed = results.filter((r) => r.status === STATUS.pass).length;
    return failed.length === 0
        ? `No broken link found (${passed} passed, ${skipped} skipped).`
        : `First broken link: ${failed[0].check}. ${failed.length} failed, ${passed} passed, ${skipped} skipped.`;
}

/** The report as JSON: a list of `{check, status, detail, fix}` (and `server` for the server checks). */
export function formatJson(results: readonly CheckResult[]): string {
    return `${JSON.stringify(results.map((r) => ({ check: r.check, ...(r.server !== undefined ? { server: r.server } : {}), status: r.status, detail: r.detail, fix: r.fix ?? null })), null, 2)}\n`;
}

/** The exit code: 0 when nothing failed, 1 when something did (2, bad usage, is decided earlier). */
export function exitCodeOf(results: readonly CheckResult[]): number {
    return results.some((r) => r.status === STATUS.fail) ? 1 : 0;
}
