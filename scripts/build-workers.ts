/**
 * `npm run build:workers`: bundles workers/main.ts (with src/, the `@/` alias and the generated
 * Prisma client) into one ES module, dist/workers/main.mjs, so production starts the workers with
 * plain `node` instead of transpiling TypeScript through tsx at every start.
 */
import { build } from "esbuild";

const started = Date.now();
const result = await build({
  entryPoints: ["workers/main.ts"],
  outfile: "dist/workers/main.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  tsconfig: "tsconfig.json", // the `@/*` → `./src/*` alias
  // Written beside the bundle but not loaded by default: `node --enable-source-maps` costs ~60 MB
  // RSS per worker. Set NODE_OPTIONS=--enable-source-maps to map stack traces to the sources.
  sourcemap: "linked",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  // CommonJS packages inside an ES module bundle call `require` for Node built-ins; give them one.
  banner: { js: 'import { createRequire as __tgCreateRequire } from "node:module"; const require = __tgCreateRequire(import.meta.url);' },
  // Native or optional add-ons load their binaries relative to their own package folder, so they stay
  // in node_modules and are required at run time (each is optional: its package falls back without it).
  external: ["msgpackr-extract", "pg-native", "@valkey/valkey-glide"],
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`[build:workers] dist/workers/main.mjs (${(bytes / 1024 / 1024).toFixed(1)} MiB with source map) in ${Date.now() - started} ms`);
