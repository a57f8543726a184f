// Fails the run when any test was skipped, todo, or not run, and prints the closing count line.
import { readFileSync } from "node:fs";

const results = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numTotalTests } = results;
console.log(`tests: ${numPassedTests} passed, ${numFailedTests} failed`);
if (numTotalTests === 0) throw new Error("no test ran");
if (numPendingTests + numTodoTests > 0) {
  throw new Error(
    `${numPendingTests} skipped and ${numTodoTests} todo tests: in CI every test must run`,
  );
}
if (numFailedTests > 0) process.exit(1);
