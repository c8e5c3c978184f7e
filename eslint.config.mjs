// typescript-eslint's recommended type-checked rules plus Pulumi's rule against Outputs in
// template literals (they render as an error string, not the value). sdks/ mirrors generated
// code and is checked by its own strict tsc build instead.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "sdks/**", "**/*.js", "**/*.mjs", "examples/**/node_modules/**"] },
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            // One program, the root tsconfig.json (it includes provider/, examples/ and templates/ too): the
            // project service would build one per tsconfig.json it finds, three times the type work.
            parserOptions: { project: ["./tsconfig.json"], tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        // Tests and the mock harness handle untyped engine payloads on purpose.
        files: ["tests/**/*.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-return": "off",
        },
    },
);
