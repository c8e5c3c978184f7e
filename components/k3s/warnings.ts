// Warnings of K3sOidcApiServer: things that do not stop a deployment but that the user should
// know at `pulumi up`. Pure; the component logs them.

/** What the warning needs to know of one server (plain where known). */
export interface ServerToWarn {
    host?: unknown;
    port?: unknown;
    hostKey?: unknown;
}

/**
 * The warning for a server whose SSH host key is not pinned (`hostKey` unset), or undefined.
 * Without a pinned key remote.Command accepts whatever key answers, so whoever can redirect the
 * connection (DNS, ARP, a router or bastion on the way) can pose as the server: it sees the scripts
 * and files (no secret among them) and can answer as if the change had been applied, so
 * `pulumi up` reports a server as configured that never was. The message names the
 * `ssh-keyscan` command whose line pins it.
 */
export function unpinnedHostKeyWarning(index: number, server: ServerToWarn): string | undefined {
    if (server.hostKey !== undefined && server.hostKey !== null && server.hostKey !== "") {
        return undefined;
    }
    const host = typeof server.host === "string" ? server.host.trim() : undefined;
    const port = typeof server.port === "number" ? server.port : 22;
    const target = host === undefined ? `servers[${index}]` : `servers[${index}] (${host}${port === 22 ? "" : `:${port}`})`;
    const keyscan = `ssh-keyscan -t ed25519${port === 22 ? "" : ` -p ${port}`} ${host ?? "<host>"}`;
    const line = port === 22 ? `${host ?? "<host>"} ssh-ed25519 AAAA...` : `[${host ?? "<host>"}]:${port} ssh-ed25519 AAAA...`;
    return `${target} has no pinned SSH host key, so any key is accepted: whoever can redirect the connection (DNS, ARP, a router on the way) can pose as the server and report the OIDC change as applied. `
        + `Pin it: \`${keyscan}\` prints "${line}"; set hostKey to its "ssh-ed25519 AAAA..." part (the program: add the whole line to headlamp-sso:sshHostKeys).`;
}
