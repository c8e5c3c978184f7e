// Which component inputs and outputs are secret, for the multi-language schema. The Node.js
// analyzer that builds the schema from the args interfaces has no way to mark a property secret,
// and the SDKs the Pulumi CLI generates for Python, Go, .NET, Java and YAML (and the registry's
// docs) take secretness from the schema alone; provider/schema.ts marks these `secret: true`
// before the plugin serves the schema. A new secret arg goes here, in the same change: a test
// (tests/package-schema.test.ts) fails for any schema property whose name looks secret
// (SECRET_NAME) and is in neither table.

/**
 * The secret properties, by the schema's name for their owner: a component (both its input and
 * its output of that name, where it has them) or an args type (an interface the analyzer turned
 * into `headlamp-sso:index:<name>`). Each component also wraps these in `pulumi.secret` itself.
 */
export const SECRET_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
    /** The OAuth2 client secret: the optional input and the output. */
    AuthentikOidcApp: ["clientSecret"],
    /** HeadlampRelease's `oidc.clientSecret`. */
    HeadlampOidcArgs: ["clientSecret"],
    /** K3sOidcApiServer's `servers[].privateKey` and its passphrase. */
    K3sServer: ["privateKey", "privateKeyPassword"],
    /** K3sOidcApiServer's `servers[].proxy` (a bastion): its password, key and passphrase. */
    ProxyConnectionArgs: ["password", "privateKey", "privateKeyPassword"],
};

/** What a secret property's name looks like (checked against every property of the schema). */
export const SECRET_NAME = /secret|password|passphrase|private.?key|token|credential/i;

/** Properties whose name looks secret but are not, with the reason. */
export const NOT_SECRET: Readonly<Record<string, string>> = {
    "AuthentikOidcApp.accessTokenValidity": "how long an access token lives (e.g. `minutes=10`), not a token",
    "AuthentikOidcApp.refreshTokenValidity": "how long a refresh token lives (e.g. `days=30`), not a token",
    "HeadlampRelease.secretName": "the name of the Kubernetes Secret that holds the OIDC settings, not its content",
    "HeadlampTlsArgs.secretName": "the name of the Kubernetes Secret that holds the TLS certificate, not its content",
};
