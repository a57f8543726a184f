#!/usr/bin/env node
import { main } from "./main.js";
import { watchStdout } from "./utils.js";

watchStdout();
const code = await main(process.argv);
// A failed write to stdout may have set exit code 1 already; EPIPE leaves it unset (0).
process.exitCode = code !== 0 ? code : process.exitCode;
