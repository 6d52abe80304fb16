// `npm run addon:build` (runs on Node, not in Apps Script): bundles src/main.ts with esbuild into one IIFE,
// then appends the top-level stubs Apps Script needs — custom functions with `@customfunction` JSDoc and
// named parameters (esbuild would hide them inside the IIFE and drop the JSDoc), menu, sidebar and trigger
// handlers — and copies the manifest and the sidebar into sheets-addon/dist.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { sheetFunctions, type SheetFunction } from "../../shared/sheets/functions.ts";
import { LOADED_AT_GLOBAL } from "./apps-script.ts";
import { ENTRY_POINTS } from "./entry-points.ts";

const ADDON_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST_DIR = join(ADDON_DIR, "dist");
/** The bundle's global: the stubs reach the add-on through it. */
const GLOBAL_NAME = "Metrigate";
export const SCRIPT_FILE = "metrigate.js";

export interface AddonBuild {
  outDir: string;
  files: string[];
  /** esbuild's record of every module in the bundle (the Node-free guard reads it). */
  metafile: Metafile;
}

/** JSDoc text cannot contain the comment terminator, and one line reads best in Sheets' help popup. */
function docText(text: string): string {
  return text.replace(/\*\//g, "* /").replace(/\s+/g, " ").trim();
}

function customFunctionStub(fn: SheetFunction): string {
  const names = fn.arguments.map((a) => a.name);
  const lines = [
    `${fn.endpoint.title}. ${fn.endpoint.description}`,
    "",
    ...fn.arguments.map((a) => `@param {${a.type}} ${a.name} ${a.optional ? "(optional) " : ""}${a.description}`),
    "@return A table with a header row.",
    "@customfunction",
  ];
  return [
    "/**",
    ...lines.map((l) => (l === "" ? " *" : ` * ${docText(l)}`)),
    " */",
    // Named parameters for readers and autocomplete; all arguments passed on, so extra ones get a clear error.
    `function ${fn.name}(${names.join(", ")}) {`,
    `  return ${GLOBAL_NAME}.customFunction(${JSON.stringify(fn.name)}, Array.prototype.slice.call(arguments));`,
    "}",
  ].join("\n");
}

function entryPointStub(entry: (typeof ENTRY_POINTS)[number]): string {
  const params = entry.params.join(", ");
  return [`/** ${docText(entry.doc)} */`, `function ${entry.name}(${params}) {`, `  return ${GLOBAL_NAME}.${entry.name}(${params});`, "}"].join("\n");
}

/** Writes through a temporary file and a rename, so parallel builds never leave a half-written file. */
function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

export async function buildAddon(outDir: string = DIST_DIR): Promise<AddonBuild> {
  const result = await build({
    entryPoints: [join(ADDON_DIR, "src", "main.ts")],
    bundle: true,
    format: "iife",
    globalName: GLOBAL_NAME,
    // Neutral: a Node built-in anywhere in the import graph fails the build instead of being shimmed.
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2019",
    minify: true,
    legalComments: "none",
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const bundle = result.outputFiles[0].text;
  const stubs = [...sheetFunctions().map(customFunctionStub), ...ENTRY_POINTS.map(entryPointStub)];
  const script = [
    "// Metrigate for Google Sheets. Built by `npm run addon:build` from sheets-addon/src; do not edit.",
    // First, so the time limits are counted from as near the execution's start as the script can see.
    `var ${LOADED_AT_GLOBAL} = Date.now();`,
    bundle.trimEnd(),
    "",
    ...stubs.join("\n\n").split("\n"),
    "",
  ].join("\n");
  mkdirSync(outDir, { recursive: true });
  const files = [SCRIPT_FILE, "appsscript.json", "sidebar.html"];
  writeAtomically(join(outDir, SCRIPT_FILE), script);
  writeAtomically(join(outDir, "appsscript.json"), readFileSync(join(ADDON_DIR, "appsscript.json"), "utf8"));
  writeAtomically(join(outDir, "sidebar.html"), readFileSync(join(ADDON_DIR, "src", "sidebar.html"), "utf8"));
  return { outDir, files, metafile: result.metafile };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const built = await buildAddon();
  const functions = sheetFunctions().map((f) => f.name);
  console.log(`Built ${built.files.join(", ")} into ${built.outDir} (custom functions: ${functions.join(", ")}).`);
}
