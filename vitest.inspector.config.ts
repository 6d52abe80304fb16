import { defineConfig } from "vitest/config";

// The official MCP Inspector CLI against the server (needs Node 22 and the inspector, which .ci/run installs
// into .tools/; see test/inspector/inspector-cli.test.ts).
export default defineConfig({
  test: {
    include: ["test/inspector/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
