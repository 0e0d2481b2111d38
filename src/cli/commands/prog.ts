/**
 * @fileoverview `bpfsim prog ...`: bpftool's program commands on the persistent simulated kernel.
 */
import { objectCommand } from '../objects/common.js';
import { MAP_SUBS } from '../objects/map.js';
import { PROG_HELP, PROG_SUBS } from '../objects/prog.js';

/** `bpfsim prog`. */
export const progCommand = objectCommand(
  'prog',
  'bpftool-style program commands: load, show, dump, run, pin',
  PROG_HELP,
  {
    map: MAP_SUBS,
    prog: PROG_SUBS,
  },
);
