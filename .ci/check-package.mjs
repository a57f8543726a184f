// The built package must match its manifest: every "exports" target exists, and publint agrees.
import { existsSync, readFileSync } from "node:fs";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
for (const [subpath, target] of Object.entries(pkg.exports)) {
  for (const file of typeof target === "string" ? [target] : Object.values(target)) {
    if (!existsSync(file)) throw new Error(`exports["${subpath}"] points at missing ${file}`);
  }
}
if (!existsSync(pkg.bin["langswarm-session"])) throw new Error("the CLI bin is missing from dist");
const { messages } = await publint({ pkgDir: ".", level: "warning" });
for (const m of messages) console.log(`publint ${m.type}: ${formatMessage(m, pkg)}`);
if (messages.some((m) => m.type === "error")) process.exit(1);
console.log("package: exports, bin and publint OK");
