// `npm run console:build`: bundles the console's TypeScript (and Chart.js) with esbuild into
// console/dist/console.js (its page and stylesheet are served from console/static as written). The bundle
// is committed, so `npm start` serves it without a build step; a test rebuilds it and fails when stale.

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)));

export async function buildConsole(outDir = join(CONSOLE_DIR, "dist")): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(CONSOLE_DIR, "src/main.ts")],
    outfile: join(outDir, "console.js"),
    bundle: true,
    format: "iife",
    target: "es2020",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
  });
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const outDir = await buildConsole();
  console.log(`Console built into ${outDir}`);
}
