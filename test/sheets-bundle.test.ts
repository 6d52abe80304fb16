// What `npm run addon:build` puts in sheets-addon/dist: a Node-free bundle, top-level stubs with the
// `@customfunction` JSDoc Sheets needs, the least-scope manifest, the sidebar — exactly what clasp pushes.

import { execFileSync } from "node:child_process";
import { builtinModules } from "node:module";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { buildAddon, DIST_DIR, SCRIPT_FILE, type AddonBuild } from "../sheets-addon/src/build.ts";
import { ENTRY_POINTS } from "../sheets-addon/src/entry-points.ts";
import { sheetFunctions } from "../shared/sheets/functions.ts";

let built: AddonBuild;
let script: string;

beforeAll(async () => {
  built = await buildAddon();
  script = readFileSync(join(built.outDir, SCRIPT_FILE), "utf8");
});

test("npm run addon:build writes the script, the manifest and the sidebar into sheets-addon/dist", () => {
  const output = execFileSync("npm", ["run", "--silent", "addon:build"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  expect(output).toContain(`Built ${SCRIPT_FILE}, appsscript.json, sidebar.html into ${DIST_DIR}`);
  expect(built.outDir).toBe(DIST_DIR);
});

test("the bundle is Node-free: only the add-on, the shared core and zod go in, and nothing requires a module", () => {
  const inputs = Object.keys(built.metafile.inputs);
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const foreign = inputs.filter((path) => !/^(shared\/|sheets-addon\/src\/|node_modules\/zod\/)/.test(path));
  expect(foreign).toEqual([]);
  expect(inputs.filter((path) => builtins.has(path))).toEqual([]);
  expect(inputs).toContain("shared/catalog/index.ts");
  expect(inputs).toContain("shared/client/request.ts");
  expect(script).not.toMatch(/\brequire\s*\(/);
  expect(script).not.toMatch(/\bprocess\.env\b/);
});

test("each custom function is a top-level declaration with @customfunction JSDoc and named parameters", () => {
  for (const fn of sheetFunctions()) {
    const names = fn.arguments.map((a) => a.name);
    const declaration = `\nfunction ${fn.name}(${names.join(", ")}) {\n  return Metrigate.customFunction("${fn.name}", Array.prototype.slice.call(arguments));\n}`;
    const at = script.indexOf(declaration);
    expect(at, fn.name).toBeGreaterThan(0);
    const doc = script.slice(script.lastIndexOf("/**", at), at);
    expect(doc).toMatch(/\* @customfunction\n \*\/$/);
    expect(doc).toContain(fn.endpoint.title);
    const params = [...doc.matchAll(/@param \{(\w+)\} (\w+) /g)].map((m) => [m[2], m[1]]);
    expect(params).toEqual(fn.arguments.map((a) => [a.name, a.type]));
  }
  expect(script).toContain(
    "function STATS(range, country, offer, source, timezone, start, end, section) {",
  );
});

test("menu, sidebar and trigger handlers are top-level too, and come after the bundle", () => {
  const bundleEnd = script.indexOf("\n/**");
  for (const entry of ENTRY_POINTS) {
    const at = script.indexOf(`\nfunction ${entry.name}(${entry.params.join(", ")}) {\n  return Metrigate.${entry.name}(`);
    expect(at, entry.name).toBeGreaterThan(bundleEnd);
  }
  expect(script.startsWith("// Metrigate for Google Sheets.")).toBe(true);
  // The time limits count from the script's first statement.
  expect(script.split("\n")[1]).toBe("var MetrigateLoadedAt = Date.now();");
  expect(script.split("\n")[2].slice(0, 60)).toMatch(/^("use strict";)?var Metrigate=\(\(\)=>\{/);
});

test("the manifest asks for V8 and the least OAuth scopes; the sidebar is copied as is", () => {
  const manifest = JSON.parse(readFileSync(join(built.outDir, "appsscript.json"), "utf8")) as Record<string, unknown>;
  expect(manifest.runtimeVersion).toBe("V8");
  expect(manifest.oauthScopes).toEqual([
    "https://www.googleapis.com/auth/script.external_request",
    "https://www.googleapis.com/auth/spreadsheets.currentonly",
    "https://www.googleapis.com/auth/script.container.ui",
    "https://www.googleapis.com/auth/script.scriptapp",
    "https://www.googleapis.com/auth/userinfo.email",
  ]);
  expect(readFileSync(join(built.outDir, "sidebar.html"), "utf8")).toBe(readFileSync("sheets-addon/src/sidebar.html", "utf8"));
});

test("clasp pushes exactly the built files from sheets-addon/dist", () => {
  const project = JSON.parse(readFileSync("sheets-addon/.clasp.json", "utf8")) as { scriptId: string; rootDir: string };
  expect(project.rootDir).toBe("dist");
  // The committed project has no script ID (each user pastes theirs); give a copy one to ask clasp offline.
  const dir = mkdtempSync(join(tmpdir(), "metrigate-clasp-"));
  try {
    writeFileSync(join(dir, ".clasp.json"), JSON.stringify({ ...project, scriptId: "test-script-id" }));
    cpSync(built.outDir, join(dir, project.rootDir), { recursive: true });
    const status = JSON.parse(
      execFileSync("node_modules/.bin/clasp", ["--project", dir, "show-file-status", "--json"], { encoding: "utf8" }),
    ) as { filesToPush: string[] };
    expect(status.filesToPush.map((f) => f.split("/").pop()).sort()).toEqual(["appsscript.json", "metrigate.js", "sidebar.html"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
