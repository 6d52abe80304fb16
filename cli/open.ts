// Opens the core for an operator command and always closes it, so the database lock is released.

import { configFromEnv } from "../shared/config.ts";
import { createRuntime, type Runtime } from "../shared/runtime.ts";

export async function withRuntime<T>(env: NodeJS.ProcessEnv, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime(configFromEnv(env), { sharedLimits: false });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}
