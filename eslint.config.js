// ESLint (flat config) for Kosha's browser code: no build step, ES modules served as they
// are. Run by `make lint-js` (part of `make test`). The layering of static/js is checked
// here too: lib/ imports nothing outside lib/, and nothing imports a page entry point.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "var/", "test-artifacts/"] },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.browser } },
  },
  {
    files: ["static/js/tests/**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.node } },
  },
  {
    files: ["static/js/**/*.js", "static/js/**/*.mjs"],
    rules: {
      "max-lines": ["error", { max: 400 }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "object-shorthand": "error",
      "no-implicit-globals": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-shadow": "error",
      "no-param-reassign": ["error", { props: false }],
      "no-duplicate-imports": "error",
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/pages/*"], message: "Pages are entry points: import features, not pages." }] }],
    },
  },
  {
    files: ["static/js/lib/**/*.js"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["../*"], message: "lib/ is the bottom layer: it imports only lib/." }] }],
    },
  },
];
