// `npm run console:build`: bundles the console's TypeScript (and Chart.js) with esbuild into
// console/dist, beside its page and stylesheet. The built files are committed, so `npm start` serves them
// without a build step; a test rebuilds them and fails when the committed copy is stale.

import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)));
export const CONSOLE_FILES = ["index.html", "console.css", "console.js"] as const;

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
  for (const name of ["index.html", "console.css"]) copyFileSync(join(CONSOLE_DIR, "static", name), join(outDir, name));
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const outDir = await buildConsole();
  console.log(`Console built into ${outDir}`);
}
