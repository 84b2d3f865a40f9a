import next from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...next,
  ...nextTs,
  {
    ignores: ["node_modules/**", ".next/**", "dist/**", "src/generated/**", "artifacts/**", ".data/**", "next-env.d.ts", "coverage/**"],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // workers run outside Next.js: no next/* or server-only there.
    files: ["workers/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["next/*", "next", "server-only", "@/server/next/*"] }],
    },
  },
];

export default config;
