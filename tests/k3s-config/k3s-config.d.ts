// Types of k3s-config.js (K3s's config-file and kube-apiserver-arg handling; see that file).

/** The drop-in files K3s reads for `configFile` (`<configFile>.d/*.yaml|*.yml`, case-insensitive), in order. */
export function dropInFiles(configFile: string): string[];

/** The args K3s derives from `configFile` and its drop-ins, e.g. `["--kube-apiserver-arg=a=b"]`. */
export function readConfigFile(configFile: string): string[];

/** Every value of one urfave/cli flag in `args` (`--name=v`, `-name=v`, `--name v`), in order. */
export function flagValues(args: string[], name: string): string[];

/**
 * The effective `kube-apiserver-arg` values: config.yaml, then config.yaml.d, then the unit's own
 * args (the words after `server` in ExecStart), each as written, e.g. `"oidc-client-id=headlamp"`.
 */
export function kubeApiserverArgs(configFile: string, unitArgs?: string[]): string[];

/**
 * K3s's GetArgs: its default kube-apiserver flags (name to value) with the extra args applied
 * (`name=v` replaces, `name+=v` appends, `name-=v` prepends); the command line, sorted by name.
 */
export function getArgs(initialArgs: Record<string, string>, extraArgs: string[]): string[];
