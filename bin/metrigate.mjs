#!/usr/bin/env node
// The `metrigate` command: runs the TypeScript CLI from a cached esbuild bundle (compiled-cli.mjs), or
// through tsx's loader where esbuild is not installed, so no build step is ever needed.
import { compiledMain } from "./compiled-cli.mjs";

let main = await compiledMain();
if (!main) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
