/**
 * `npm run bench [-- W1 W3 …]`: runs the workloads of DESIGN §7 and prints one JSON line per
 * figure, then a table. Every figure is a ratio to a floor measured in the same process.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { pgWorkloads } from "./workloads/postgres.js";
import { providers } from "./workloads/providers.js";
import { w1 } from "./workloads/w1-guide.js";
import { w3 } from "./workloads/w3-growth.js";
import { w4 } from "./workloads/w4-read.js";
import { w5 } from "./workloads/w5-list.js";
import { w6 } from "./workloads/w6-heap.js";
import { w7 } from "./workloads/w7-migration.js";

const WORKLOADS = {
  W1: w1,
  W3: w3,
  W4: w4,
  W5: w5,
  W6: w6,
  W7: w7,
  PG: pgWorkloads,
  PROVIDERS: providers,
};

const wanted = process.argv.slice(2).map((a) => a.toUpperCase());
const selected = Object.entries(WORKLOADS).filter(([k]) => !wanted.length || wanted.includes(k));
const results = [];
for (const [name, run] of selected) {
  process.stderr.write(`running ${name}…\n`);
  for (const r of await run()) {
    results.push(r);
    console.log(JSON.stringify(r));
  }
}
console.table(
  results.map((r) => ({
    workload: r.workload,
    backend: r.backend,
    measure: r.measure,
    lib: r.lib,
    floor: r.floor,
    ratio: r.ratio,
    limit: r.limit,
    pass: r.pass,
  })),
);
mkdirSync(".tmp", { recursive: true });
writeFileSync(".tmp/bench-results.md", markdown(results));
writeFileSync(
  ".tmp/bench-results.json",
  JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2),
);

/** The results as a Markdown table, for BENCHMARKS.md. */
function markdown(rows) {
  const head = "| Workload | Backend | Measure | Library | Floor | Ratio | Target | Met | Note |";
  const lines = rows.map((r) => {
    const target =
      r.min !== undefined
        ? `≥ ${r.min} ${r.unit}`
        : r.limit === undefined
          ? "—"
          : r.ratio === null
            ? `≤ ${r.limit} ${r.unit}`
            : `≤ ${r.limit}x`;
    const met = r.pass === null ? "—" : r.pass ? "yes" : "**no**";
    const unit = r.unit ?? "";
    return `| ${r.workload} | ${r.backend} | ${r.measure} | ${r.lib} ${unit} | ${r.floor ?? "—"} ${r.floor ? unit : ""} | ${r.ratio ?? "—"} | ${target} | ${met} | ${r.note ?? ""} |`;
  });
  return [head, "|---|---|---|---|---|---|---|---|---|", ...lines].join("\n") + "\n";
}
