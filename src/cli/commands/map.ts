/**
 * @fileoverview `bpfsim map ...`: bpftool's map commands on the persistent simulated kernel.
 */
import { objectCommand } from '../objects/common.js';
import { MAP_HELP, MAP_SUBS } from '../objects/map.js';
import { PROG_SUBS } from '../objects/prog.js';

/** `bpfsim map`. */
export const mapCommand = objectCommand(
  'map',
  'bpftool-style map commands on the persistent simulated kernel',
  MAP_HELP,
  {
    map: MAP_SUBS,
    prog: PROG_SUBS,
  },
);
