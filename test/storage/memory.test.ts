import { memoryStorage } from "../../src/storage/memory.js";
import { describeStorageConformance } from "./conformance.js";

describeStorageConformance({
  name: "memory",
  create: () => memoryStorage(),
  turnLeases: false,
});
