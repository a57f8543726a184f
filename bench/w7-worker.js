/**
 * One W7 run in a process of its own, so its peak memory is its own: migrates a V1 file into a
 * fresh SQLite file and prints the figures as JSON.
 */
import { migrateV1 } from "../dist/migration/index.js";

const [source, target] = process.argv.slice(2);
let peakHeap = 0;
const start = process.hrtime.bigint();
const report = await migrateV1({
  source,
  target,
  timezone: "UTC",
  onProgress: () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)),
});
const ms = Number(process.hrtime.bigint() - start) / 1e6;
console.log(
  JSON.stringify({
    sessions: report.migratedSessions,
    failed: report.failedSessions,
    messages: report.migratedMessages,
    ms,
    peakHeapMb: peakHeap / 2 ** 20,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
