// Starts the CLI from an esbuild bundle of its TypeScript, cached under node_modules/.cache/metrigate-cli:
// a command then starts about a second sooner than when tsx compiles every module on every run. The cache
// is keyed by the sources' paths, sizes and modification times, so an edited source gets a fresh bundle;
// without esbuild (installed without dev dependencies) the caller falls back to tsx.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE_DIRS = ["cli", "shared", "api-server", "mcp-server"];
const CACHE = join(ROOT, "node_modules", ".cache", "metrigate-cli");
const STALE_MS = 24 * 3600 * 1000;

function sourceKey() {
  const hash = createHash("sha256");
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) {
        const { size, mtimeMs } = statSync(path);
        hash.update(`${path}\0${size}\0${mtimeMs}\n`);
      }
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(ROOT, dir));
  return hash.digest("hex").slice(0, 16);
}

/**
 * Modules find files beside them through import.meta.url (the console bundle, package.json, metrics.md):
 * in the bundle each keeps its own source file's URL, so those paths stay right.
 */
const keepModuleUrls = {
  name: "keep-module-urls",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      return { contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
    });
  },
};

async function build(esbuild, dir) {
  mkdirSync(CACHE, { recursive: true });
  const scratch = `${dir}.${process.pid}.tmp`;
  await esbuild.build({
    entryPoints: [join(ROOT, "cli", "main.ts")],
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outdir: scratch,
    logLevel: "silent",
    plugins: [keepModuleUrls],
  });
  try {
    renameSync(scratch, dir);
  } catch {
    // Another process built the same bundle first: use theirs.
    rmSync(scratch, { recursive: true, force: true });
  }
  // Bundles of older sources go once nothing can still be loading them.
  for (const old of readdirSync(CACHE)) {
    const path = join(CACHE, old);
    if (path !== dir && Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * The CLI's `main` from the cached bundle, building it first when the sources changed; undefined without
 * esbuild. esbuild is loaded only to build (and required: an ESM import of it costs a tenth of a second).
 */
export async function compiledMain() {
  const dir = join(CACHE, sourceKey());
  const entry = join(dir, "main.js");
  if (!existsSync(entry)) {
    let esbuild;
    try {
      esbuild = createRequire(import.meta.url)("esbuild");
    } catch {
      return undefined;
    }
    await build(esbuild, dir);
  }
  return (await import(pathToFileURL(entry).href)).main;
}
