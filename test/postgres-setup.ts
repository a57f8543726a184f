import type { TestProject } from "vitest/node";
import { startPostgres } from "./helpers/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the run's embedded Postgres; each test file makes its own database. */
    postgresUrl: string;
  }
}

/** Starts one embedded Postgres for the whole vitest run, and removes it at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide("postgresUrl", server.url);
  return () => server.destroy();
}
