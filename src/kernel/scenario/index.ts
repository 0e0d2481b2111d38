/**
 * @fileoverview Scenario scripts (shared/reference/scenario-format.md): parsing, the executor that
 * drives any {@link SyscallHost} exactly as the reference oracle drives the real kernel, and the
 * comparison of two outputs. Browser-safe.
 */
export type { SyscallHost } from '../syscall-host.js';
export {
  type CompareOptions,
  type CompareResult,
  compareLine,
  compareOutputs,
  type FieldDiff,
  formatCompare,
  type LineDiff,
  maskLog,
  parseOutput,
} from './compare.js';
export { type ExecutorOptions, executeScenario, ScenarioExecutor } from './executor.js';
export {
  parseScenario,
  SCENARIO_OPS,
  ScenarioFormatError,
  type ScenarioOp,
  type ScenarioOpName,
  validateOp,
} from './format.js';
export { type JsonValue, pythonJson, type ResultLine } from './json.js';
export { MAP_TYPE_NAMES, PROG_TYPE_NAMES } from './tables.js';
