// The doctor's HTTPS client builds one TLS context per distinct CA list and client certificate
// (cli/http.ts secureContextFor) instead of one per request. What it must keep: a request trusts
// exactly the CAs it was given and presents exactly the certificate it was given, whatever an
// earlier request used. Real TLS servers on 127.0.0.1 with two CAs that do not trust each other.
import * as assert from "assert";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { request, secureContextFor, trustWith } from "../../cli/http";
import { issueCert, KeyPair, makeCa } from "../pki";

describe("doctor: HTTPS client, one TLS context per CA and client certificate", function () {
    this.timeout(30_000);
    let dir: string;
    let caA: KeyPair;
    let caB: KeyPair;
    let client: KeyPair;
    const servers: https.Server[] = [];
    let urlA: string;
    let urlB: string;
    let urlMutual: string;

    async function serve(cert: KeyPair, options: https.ServerOptions = {}): Promise<string> {
        const server = https.createServer({ cert: cert.certPem, key: cert.keyPem, ...options }, (req, res) => {
            const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
            res.end(peer?.subject?.CN ?? "anonymous");
        });
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
    }

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-http-"));
        caA = makeCa(dir, "http-a");
        caB = makeCa(dir, "http-b");
        client = issueCert(caA, dir, "http-client", { commonName: "doctor-admin", usage: "client" });
        urlA = await serve(issueCert(caA, dir, "http-server-a", { commonName: "127.0.0.1", ips: ["127.0.0.1"] }));
        urlB = await serve(issueCert(caB, dir, "http-server-b", { commonName: "127.0.0.1", ips: ["127.0.0.1"] }));
        urlMutual = await serve(issueCert(caA, dir, "http-server-m", { commonName: "127.0.0.1", ips: ["127.0.0.1"] }), { ca: caA.certPem, requestCert: true, rejectUnauthorized: true });
    });

    after(async function () {
        for (const s of servers) {
            s.closeAllConnections();
            await new Promise<void>((resolve) => s.close(() => resolve()));
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reuses the context for the same CA list and client certificate, and builds another for any other", function () {
        const a = secureContextFor({ ca: trustWith(caA.certPem) });
        assert.strictEqual(secureContextFor({ ca: trustWith(caA.certPem) }), a, "the same PEM text, another array: the same context");
        assert.notStrictEqual(secureContextFor({ ca: trustWith(caB.certPem) }), a);
        assert.notStrictEqual(secureContextFor({ ca: trustWith(caA.certPem), cert: client.certPem, key: client.keyPem }), a);
        assert.strictEqual(secureContextFor({}), undefined, "no CA and no certificate: Node's defaults");
    });

    it("https takes the shared context: tls.connect builds none per request", async function () {
        const fresh = makeCa(dir, "http-count");
        const server = await serve(issueCert(fresh, dir, "http-server-count", { commonName: "127.0.0.1", ips: ["127.0.0.1"] }));
        // The module object itself (what tls.connect calls when it is given no context), not an
        // import's copy of it. cli/http.ts builds its shared context through its own import.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const tlsModule = require("tls") as { createSecureContext: typeof tls.createSecureContext };
        const built = tlsModule.createSecureContext;
        let count = 0;
        tlsModule.createSecureContext = (options?: tls.SecureContextOptions) => {
            count++;
            return built(options);
        };
        try {
            for (let i = 0; i < 3; i++) {
                assert.strictEqual((await request(server, { ca: trustWith(fresh.certPem) })).status, 200);
            }
        } finally {
            tlsModule.createSecureContext = built;
        }
        assert.strictEqual(count, 0, "tls.connect built a context from ca/cert/key: https did not pass secureContext on");
    });

    it("trusts exactly the CA each request gives, after a request that gave another", async function () {
        assert.strictEqual((await request(urlA, { ca: trustWith(caA.certPem) })).status, 200);
        await assert.rejects(request(urlB, { ca: trustWith(caA.certPem) }), (e: NodeJS.ErrnoException) => /UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/.test(e.code ?? ""));
        assert.strictEqual((await request(urlB, { ca: trustWith(caB.certPem) })).status, 200);
        await assert.rejects(request(urlA, { ca: trustWith(caB.certPem) }), (e: NodeJS.ErrnoException) => /UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/.test(e.code ?? ""));
        await assert.rejects(request(urlA), (e: NodeJS.ErrnoException) => /UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/.test(e.code ?? ""), "without a CA only Node's bundled ones are trusted");
        assert.strictEqual((await request(urlA, { insecure: true })).status, 200, "insecure skips verification");
    });

    it("presents exactly the client certificate each request gives (mutual TLS, as with an admin kubeconfig)", async function () {
        const withCert = await request(urlMutual, { ca: [caA.certPem], cert: client.certPem, key: client.keyPem });
        assert.deepStrictEqual([withCert.status, withCert.body], [200, "doctor-admin"]);
        // The same CA without the certificate: a context of its own, so the server refuses the handshake.
        await assert.rejects(request(urlMutual, { ca: [caA.certPem] }));
        const again = await request(urlMutual, { ca: [caA.certPem], cert: client.certPem, key: client.keyPem });
        assert.strictEqual(again.body, "doctor-admin");
    });
});
