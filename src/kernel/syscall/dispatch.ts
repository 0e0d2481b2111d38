/**
 * @fileoverview The bpf() syscall entry.
 *
 * Models kernel/bpf/syscall.c `SYSCALL_DEFINE3(bpf, ...)` / `__sys_bpf`: the attr is checked and
 * copied from user memory (`bpf_check_uarg_tail_zero`, zero extension), then dispatched by command;
 * unknown commands are EINVAL. Every path returns a value or -errno (bad input never throws).
 */
import { ERRNO } from '../../uapi/errno.js';
import { attrBusy, readAttrFromUser } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import type { Task } from '../task.js';
import { mapGetFdById, objGetNextId, progGetFdById } from './ids.js';
import { objGetInfoByFd } from './info.js';
import { mapDoBatch } from './map-batch.js';
import { mapCreate } from './map-create.js';
import {
  mapDeleteElem,
  mapFreeze,
  mapGetNextKey,
  mapLookupAndDeleteElem,
  mapLookupElem,
  mapUpdateElem,
} from './map-elem.js';
import { objGet, objPin } from './obj.js';
import { progLoad } from './prog-load.js';
import { progTestRun } from './test-run.js';

/** Models `__sys_bpf(cmd, uattr, size)` for `task`: the result or -errno. */
export function sysBpf(task: Task, cmd: number, uattr: number, size: number): number {
  const attr = readAttrFromUser(task.mem, uattr, size);
  if (typeof attr === 'number') return attr;
  const kernel = task.kernel;
  const prev = kernel.current;
  kernel.current = task;
  attrBusy(1);
  try {
    const C = BPF_CMD;
    switch (cmd) {
      case C.MAP_CREATE:
        return mapCreate(task, attr);
      case C.MAP_LOOKUP_ELEM:
        return mapLookupElem(task, attr);
      case C.MAP_UPDATE_ELEM:
        return mapUpdateElem(task, attr);
      case C.MAP_DELETE_ELEM:
        return mapDeleteElem(task, attr);
      case C.MAP_GET_NEXT_KEY:
        return mapGetNextKey(task, attr);
      case C.MAP_FREEZE:
        return mapFreeze(task, attr);
      case C.PROG_LOAD:
        return progLoad(task, attr, uattr, size >>> 0);
      case C.OBJ_PIN:
        return objPin(task, attr);
      case C.OBJ_GET:
        return objGet(task, attr);
      case C.PROG_TEST_RUN:
        return progTestRun(task, attr, uattr);
      case C.PROG_GET_NEXT_ID:
        return objGetNextId(task, attr, uattr, cmd, kernel.progs);
      case C.MAP_GET_NEXT_ID:
        return objGetNextId(task, attr, uattr, cmd, kernel.maps);
      case C.PROG_GET_FD_BY_ID:
        return progGetFdById(task, attr);
      case C.MAP_GET_FD_BY_ID:
        return mapGetFdById(task, attr);
      case C.OBJ_GET_INFO_BY_FD:
        return objGetInfoByFd(task, attr, uattr);
      case C.MAP_LOOKUP_AND_DELETE_ELEM:
        return mapLookupAndDeleteElem(task, attr);
      case C.MAP_LOOKUP_BATCH:
      case C.MAP_LOOKUP_AND_DELETE_BATCH:
      case C.MAP_UPDATE_BATCH:
      case C.MAP_DELETE_BATCH:
        return mapDoBatch(task, attr, uattr, cmd);
      default:
        // Commands of 6.18 that bpfsim does not model (attach, links, BTF, tokens...) and unknown
        // commands: EINVAL, the kernel's answer for an unknown command.
        return -ERRNO.EINVAL;
    }
  } finally {
    attrBusy(-1);
    kernel.current = prev;
  }
}
