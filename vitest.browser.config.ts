import { defineConfig } from "vitest/config";

// Browser tests drive Debian's Chromium (/usr/bin/chromium, installed by .ci/run) through playwright-core.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
