// The K3s config parser (k3s-config.js) against K3s's own test cases (k3s-io/k3s
// pkg/configfilearg/parser_test.go TestParser_Parse with its testdata, pkg/util/args_test.go
// Test_UnitGetArgs) plus the rules the components rely on.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dropInFiles, getArgs, kubeApiserverArgs, readConfigFile } from "./k3s-config";

describe("K3s config parser (tests/k3s-config)", () => {
    let dir: string;
    const write = (rel: string, text: string) => {
        const p = path.join(dir, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, text);
        return p;
    };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-config-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reproduces K3s's TestParser_Parse output for its testdata (order, + append, replace, lists, empty values)", () => {
        const config = write("data.yaml", 'foo-bar: baz\na-slice:\n- 1\n- "2"\n- ""\n- three\nisempty:\nc: b\nisfalse: false\nislast: true');
        write("data.yaml.d/01-data.yml", 'foo-bar: get-overriden\na-slice:\n- 1\n- "1.5"\n- "2"\n- ""\n- three\nb-string: one\nc-slice:\n- one\n- two\nd-slice:\n- one\n- two');
        write("data.yaml.d/02-data-ignore-this.txt", "foo-bar: ignored\n");
        write("data.yaml.d/02-data.yaml", "foo-bar: bar-foo\nb-string+: two\nc-slice+:\n- three\nd-slice:\n- three\n- four\ne-slice+:\n- one\n- two");
        assert.deepStrictEqual(readConfigFile(config), [
            "--foo-bar=bar-foo",
            "--a-slice=1", "--a-slice=1.5", "--a-slice=2", "--a-slice=", "--a-slice=three",
            "--isempty=",
            "-c=b",
            "--isfalse=false",
            "--islast=true",
            "--b-string=one", "--b-string=two",
            "--c-slice=one", "--c-slice=two", "--c-slice=three",
            "--d-slice=three", "--d-slice=four",
            "--e-slice=one", "--e-slice=two",
        ]);
    });

    it("reads drop-ins in byte order, .yaml/.yml case-insensitively, skipping directories and other names", () => {
        const config = write("config.yaml", "");
        write("config.yaml.d/oidc.yaml", "");
        write("config.yaml.d/oidc-dev.yaml", "");
        write("config.yaml.d/B.YML", "");
        write("config.yaml.d/a.Yaml", "");
        write("config.yaml.d/z.yaml.bak", "");
        fs.mkdirSync(path.join(dir, "config.yaml.d/dir.yaml"));
        assert.deepStrictEqual(dropInFiles(config).map((f) => path.basename(f)), ["B.YML", "a.Yaml", "oidc-dev.yaml", "oidc.yaml"]);
    });

    it("kube-apiserver-arg: a drop-in's + form appends to config.yaml, the plain form replaces it, the unit's args come last", () => {
        const config = write("config.yaml", 'kube-apiserver-arg:\n- "audit-log-maxage=30"\n- "anonymous-auth=false"\n');
        write("config.yaml.d/50-headlamp.yaml", 'kube-apiserver-arg+:\n- "oidc-issuer-url=https://a/"\n');
        assert.deepStrictEqual(kubeApiserverArgs(config, ["--kube-apiserver-arg=v=2", "--token", "x", "--kube-apiserver-arg", "profiling=false"]), [
            "audit-log-maxage=30", "anonymous-auth=false", "oidc-issuer-url=https://a/", "v=2", "profiling=false",
        ]);
        write("config.yaml.d/60-other.yaml", 'kube-apiserver-arg:\n- "only=this"\n');
        assert.deepStrictEqual(kubeApiserverArgs(config), ["only=this"]);
    });

    it("reads YAML 1.1 as K3s does (yaml.v2): unquoted yes/on become true, values keep commas", () => {
        const config = write("config.yaml", "kube-apiserver-arg:\n- yes\n- on\n- oidc-signing-algs=RS256,ES256\nselinux: yes\n");
        assert.deepStrictEqual(readConfigFile(config), ["--kube-apiserver-arg=true", "--kube-apiserver-arg=true", "--kube-apiserver-arg=oidc-signing-algs=RS256,ES256", "--selinux=true"]);
    });

    it("drop-ins alone are read when config.yaml is missing; nothing at all gives no args", () => {
        const config = path.join(dir, "config.yaml");
        assert.deepStrictEqual(readConfigFile(config), []);
        write("config.yaml.d/x.yaml", 'kube-apiserver-arg+: "a=b"\n');
        assert.deepStrictEqual(kubeApiserverArgs(config), ["a=b"]);
    });

    it("rejects a file that is not a mapping, naming it", () => {
        const config = write("config.yaml", "- a\n- b\n");
        assert.throws(() => readConfigFile(config), /config\.yaml: .*MapSlice/);
    });

    it("applies extra args to K3s's defaults as GetArgs does (K3s's Test_UnitGetArgs)", () => {
        const base = { aaa: "A", bbb: "B", ccc: "C", ddd: "d", eee: "e", fff: "f", ggg: "g", hhh: "h" };
        const want = ["--aaa=A", "--bbb=BB", "--ccc=C", "--ddd=DD", "--eee=e", "--fff=f", "--ggg=g", "--hhh=h", "--iii=II"];
        assert.deepStrictEqual(getArgs(base, ["bbb=BB", "ddd=DD", "iii=II"]), want);
        assert.deepStrictEqual(getArgs(base, ["--bbb=BB", "--ddd=DD", "--iii=II"]), want);
        assert.deepStrictEqual(getArgs({ aaa: "A", bbb: "B" }, ["--ccc=C", "--bbb=DD", "--bbb=AA"]), ["--aaa=A", "--bbb=DD", "--bbb=AA", "--ccc=C"]);
        assert.deepStrictEqual(getArgs({ aaa: "A", bbb: "B" }, ["--ccc=C", "--bbb-=DD"]), ["--aaa=A", "--bbb=DD", "--bbb=B", "--ccc=C"]);
        assert.deepStrictEqual(getArgs({ aaa: "A", bbb: "B" }, ["--ccc=C", "--bbb+=DD"]), ["--aaa=A", "--bbb=B", "--bbb=DD", "--ccc=C"]);
    });
});
