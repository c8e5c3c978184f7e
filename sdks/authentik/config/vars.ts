import * as pulumi from "@pulumi/pulumi";
import * as utilities from "../utilities";

declare var exports: any;
const __config = new pulumi.Config("authentik");

/** The authentik API token, can optionally be passed as `AUTHENTIK_TOKEN` environmental variable. */
export declare const token: string | undefined;
Object.defineProperty(exports, "token", {
    get() {
        return __config.get("token") ?? utilities.getEnv("AUTHENTIK_TOKEN");
    },
    enumerable: true,
});

/** The authentik API endpoint, can optionally be passed as `AUTHENTIK_URL` environmental variable. */
export declare const url: string | undefined;
Object.defineProperty(exports, "url", {
    get() {
        return __config.get("url") ?? utilities.getEnv("AUTHENTIK_URL");
    },
    enumerable: true,
});

/** Whether to skip TLS verification, can optionally be passed as `AUTHENTIK_INSECURE` environmental variable. */
export declare const insecure: boolean | undefined;
Object.defineProperty(exports, "insecure", {
    get() {
        return __config.getObject<boolean>("insecure") ?? utilities.getEnvBoolean("AUTHENTIK_INSECURE");
    },
    enumerable: true,
});
