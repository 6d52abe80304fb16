// The install footprint a `npx metrigate` user gets: `npm pack`, then the tarball installed (production
// dependencies, a fresh npm cache so every package is downloaded) in an empty folder. Prints what was
// downloaded and what landed on disk, with the largest packages.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Bytes under a folder (apparent sizes, as `du -sb` counts them). */
function bytesUnder(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

/** Installed packages with their sizes, scoped packages counted by their own folder. */
function packages(nodeModules: string): { name: string; bytes: number }[] {
  return readdirSync(nodeModules)
    .filter((name) => !name.startsWith("."))
    .flatMap((name) =>
      name.startsWith("@")
        ? readdirSync(join(nodeModules, name)).map((inner) => ({ name: `${name}/${inner}`, bytes: bytesUnder(join(nodeModules, name, inner)) }))
        : [{ name, bytes: bytesUnder(join(nodeModules, name)) }],
    );
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "metrigate-footprint-"));
  try {
    const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { encoding: "utf8" }).trim().split("\n").pop() ?? "";
    const app = join(dir, "app");
    const cache = join(dir, "npm-cache");
    execFileSync("mkdir", ["-p", app]);
    execFileSync("npm", ["init", "-y"], { cwd: app, stdio: "ignore" });
    execFileSync("npm", ["install", join(dir, tarball), "--omit=dev", "--no-audit", "--no-fund", "--cache", cache], { cwd: app, stdio: "ignore" });
    const nodeModules = join(app, "node_modules");
    const list = packages(nodeModules).sort((a, b) => b.bytes - a.bytes);
    console.log(`package tarball         ${mb(bytesUnder(join(dir, tarball)))}`);
    console.log(`downloaded (npm cache)  ${mb(bytesUnder(join(cache, "_cacache")))}`);
    console.log(`installed node_modules  ${mb(bytesUnder(nodeModules))} in ${list.length} packages`);
    for (const { name, bytes } of list.slice(0, 8)) console.log(`  ${name.padEnd(40)} ${mb(bytes)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
