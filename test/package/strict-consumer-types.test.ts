/**
 * The published types must type-check in a strict project (`skipLibCheck: false`) that installed
 * the package as npm does: no public .d.ts may reach a package whose types come only from this
 * package's devDependencies. `@types/better-sqlite3` is one: the `./migration` types once reached
 * it through `V1Reader.sessionIdsOfUser` (its row type was declared beside `V1UserIndex`), and a
 * strict consumer failed TS7016 in dist/migration/v1-text.d.ts and v1-users.d.ts.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { consumer, pack, tsc, type Packed } from "./consumer.js";

// Every subpath, and a value of each kind whose types reach deepest into the package.
const MAIN = `
import { createSessionManager, SessionNotFoundError, sqliteStorage } from "@langswarm/session";
import { createTestManager } from "@langswarm/session/testing";
import { migrateV1, verifyMigration, SessionBridge, V1Reader } from "@langswarm/session/migration";
export const used = [
  createSessionManager, SessionNotFoundError, sqliteStorage, createTestManager,
  migrateV1, verifyMigration, SessionBridge, V1Reader,
];
export async function rows(reader: V1Reader): Promise<string[]> {
  return reader.sessionIdsOfUser("u").map((r) => r.error ?? r.sessionId);
}
`;

// Each check reads every .d.ts of the dependencies too (about 10 s): one ESM and one CommonJS
// project; a bundler's resolution reads the same files through the same "exports".
const setups = [
  { name: "ESM", type: "module" },
  { name: "CommonJS", type: "commonjs" },
] as const;

let packed: Packed;
beforeAll(async () => {
  packed = await pack();
});
afterAll(() => packed?.cleanup());

it.each(setups)(
  "a strict project without this package's devDependencies type-checks every subpath ($name)",
  async (setup) => {
    const c = consumer(packed, { type: setup.type });
    try {
      c.write("main.ts", MAIN);
      const compilerOptions = {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        types: ["node"],
      };
      c.write("tsconfig.json", JSON.stringify({ compilerOptions, files: ["main.ts"] }));
      expect(await tsc(c.dir)).toBe("");
    } finally {
      c.cleanup();
    }
  },
);
