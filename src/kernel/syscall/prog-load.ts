/**
 * @fileoverview BPF_PROG_LOAD.
 *
 * Models kernel/bpf/syscall.c `bpf_prog_load` (6.18) in its order of checks: CHECK_ATTR, known
 * prog_flags, `bpf_prog_load_fixup_attach_type`, BPF tokens, the unprivileged sysctl, the instruction
 * count limits (BPF_MAXINSNS without CAP_BPF, BPF_COMPLEXITY_LIMIT_INSNS with), the per-type
 * capability checks (CAP_BPF for all but socket_filter/cgroup_skb, CAP_NET_ADMIN, CAP_PERFMON),
 * `bpf_prog_load_check_attach`, allocation and memory accounting, copying the instructions and the
 * license (`license_is_gpl_compatible`), `find_prog_type`, `bpf_obj_name_cpy`, then `bpf_check`
 * (log attributes, the verifier hook, `print_verification_stats`, `bpf_vlog_finalize` and
 * `log_true_size`), the JIT (`bpf_jit_enable` is 1), id allocation and the new fd.
 */
import { decodeRaw, type Insn } from '../../isa/insn.js';
import { BPF_COMPLEXITY_LIMIT_INSNS, BPF_MAXINSNS } from '../../isa/opcodes.js';
import { BPF_PROG_TYPE } from '../../progs/types.js';
import { ERRNO } from '../../uapi/errno.js';
import type { BpfAttr } from '../attr/codec.js';
import { BPF_CMD } from '../attr/commands.js';
import { PROG_LOAD_ATTR as A } from '../attr/layout.js';
import { bpfCapable, bpfTokenCapable, CAP, perfmonCapable } from '../creds.js';
import { type KMap, KProg } from '../objects.js';
import { progDigest } from '../prog-tag.js';
import type { Task } from '../task.js';
import { PAGE_SIZE } from '../user-memory.js';
import type { VerifierMapRef } from '../verifier-hook.js';
import { BPF_LOG, VerifierLog } from '../verifier-log.js';
import { mapFromFd, objNameCpy, progFromFd, progNewFd } from './common.js';
import { checkAttach, fixupAttachType } from './prog-attach-types.js';

/** `prog_flags` bits accepted by 6.18 (include/uapi/linux/bpf.h BPF_F_*). */
export const BPF_PROG_FLAGS = {
  STRICT_ALIGNMENT: 1 << 0,
  ANY_ALIGNMENT: 1 << 1,
  TEST_RND_HI32: 1 << 2,
  TEST_STATE_FREQ: 1 << 3,
  SLEEPABLE: 1 << 4,
  XDP_HAS_FRAGS: 1 << 5,
  XDP_DEV_BOUND_ONLY: 1 << 6,
  TEST_REG_INVARIANTS: 1 << 7,
  TOKEN_FD: 1 << 16,
} as const;

const ALL_PROG_FLAGS = Object.values(BPF_PROG_FLAGS).reduce((a, b) => a | b, 0);

/** `offsetof(struct bpf_prog, insns)` on x86_64: the header before the instructions. */
const BPF_PROG_HEADER = 72;

const T = BPF_PROG_TYPE;
const NET_ADMIN_TYPES = new Set<number>([
  T.SCHED_CLS,
  T.SCHED_ACT,
  T.XDP,
  T.LWT_IN,
  T.LWT_OUT,
  T.LWT_XMIT,
  T.LWT_SEG6LOCAL,
  T.SK_SKB,
  T.SK_MSG,
  T.FLOW_DISSECTOR,
  T.CGROUP_DEVICE,
  T.CGROUP_SOCK,
  T.CGROUP_SOCK_ADDR,
  T.CGROUP_SOCKOPT,
  T.CGROUP_SYSCTL,
  T.SOCK_OPS,
  T.EXT,
  T.NETFILTER,
]);
const PERFMON_TYPES = new Set<number>([
  T.KPROBE,
  T.TRACEPOINT,
  T.PERF_EVENT,
  T.RAW_TRACEPOINT,
  T.RAW_TRACEPOINT_WRITABLE,
  T.TRACING,
  T.LSM,
  T.STRUCT_OPS,
  T.EXT,
]);

/** Models include/linux/license.h `license_is_gpl_compatible`. */
export function licenseIsGplCompatible(license: string): boolean {
  return [
    'GPL',
    'GPL v2',
    'GPL and additional rights',
    'Dual BSD/GPL',
    'Dual MIT/GPL',
    'Dual MPL/GPL',
  ].includes(license);
}

/** Models `bpf_prog_size(len)` in pages, as `prog->pages`. */
export function progPages(insnCnt: number): number {
  return Math.ceil((BPF_PROG_HEADER + 8 * insnCnt) / PAGE_SIZE);
}

/** Writes `log_true_size` back to `uattr` when the caller's attr is large enough. */
function putLogTrueSize(task: Task, uattr: number, uattrSize: number, v: number): number {
  if (uattrSize < A.log_true_size.off + 4) return 0;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return task.mem.copyToUser(uattr + A.log_true_size.off, b) ? -ERRNO.EFAULT : 0;
}

/** Models `bpf_prog_load`: a program fd or -errno. */
export function progLoad(task: Task, attr: BpfAttr, uattr: number, uattrSize: number): number {
  if (attr.checkAttrFails(BPF_CMD.PROG_LOAD)) return -ERRNO.EINVAL;
  const progFlags = attr.u32(A.prog_flags);
  if (progFlags & ~ALL_PROG_FLAGS) return -ERRNO.EINVAL;
  const type = attr.u32(A.prog_type);
  const expectedAttachType = fixupAttachType(type, attr.u32(A.expected_attach_type));
  if (progFlags & BPF_PROG_FLAGS.TOKEN_FD) {
    // bpf_token_get_from_fd: no token objects exist in bpfsim.
    return task.fds.get(attr.s32(A.prog_token_fd)) ? -ERRNO.EINVAL : -ERRNO.EBADF;
  }
  const creds = task.creds;
  const bpfCap = bpfCapable(creds);
  if (task.kernel.sysctls.get('kernel/unprivileged_bpf_disabled') && !bpfCap) return -ERRNO.EPERM;
  const insnCnt = attr.u32(A.insn_cnt);
  if (insnCnt === 0 || insnCnt > (bpfCap ? BPF_COMPLEXITY_LIMIT_INSNS : BPF_MAXINSNS)) return -ERRNO.E2BIG;
  if (type !== T.SOCKET_FILTER && type !== T.CGROUP_SKB && !bpfCap) return -ERRNO.EPERM;
  if (NET_ADMIN_TYPES.has(type) && !bpfTokenCapable(creds, CAP.NET_ADMIN)) return -ERRNO.EPERM;
  if (PERFMON_TYPES.has(type) && !bpfTokenCapable(creds, CAP.PERFMON)) return -ERRNO.EPERM;
  const attachProgFd = attr.u32(A.attach_prog_fd);
  const attachBtfId = attr.u32(A.attach_btf_id);
  let dstProg: KProg | undefined;
  if (attachProgFd) {
    const p = progFromFd(task, attachProgFd);
    // Not a program: the fd would have to be a BTF object, and bpfsim has none (EINVAL).
    if (typeof p === 'number') return -ERRNO.EINVAL;
    dstProg = p;
  } else if (attachBtfId) {
    // No vmlinux BTF is modelled: bpf_get_btf_vmlinux() gives nothing to attach to.
    return -ERRNO.EINVAL;
  }
  if (checkAttach(type, expectedAttachType, attachBtfId, dstProg !== undefined)) return -ERRNO.EINVAL;

  const kernel = task.kernel;
  const pages = progPages(insnCnt);
  const charge = kernel.accounting.charge(kernel.user(creds.uid), pages * PAGE_SIZE, task.memlockLimit());
  if (typeof charge === 'number') return charge;
  const fail = (err: number): number => {
    kernel.accounting.uncharge(charge);
    return err;
  };
  const raw = task.mem.copyFromUser(attr.ptr(A.insns), insnCnt * 8);
  if (typeof raw === 'number') return fail(-ERRNO.EFAULT);
  const lic = task.mem.strncpyFromUser(attr.ptr(A.license), 127);
  if (typeof lic === 'number') return fail(-ERRNO.EFAULT);
  const license = new TextDecoder('latin1').decode(lic.bytes);
  const gplCompatible = licenseIsGplCompatible(license);
  if (attr.u64(A.signature) !== 0n) return fail(-ERRNO.EINVAL);
  if (attr.u32(A.prog_ifindex)) return fail(-ERRNO.EINVAL);
  const ops = kernel.progTypes.get(type);
  if (!ops) return fail(-ERRNO.EINVAL);
  const name = objNameCpy(attr.raw(A.prog_name));
  if (typeof name === 'number') return fail(name);

  // bpf_check
  const log = VerifierLog.init(task.mem, attr.u32(A.log_level), attr.ptr(A.log_buf), attr.u32(A.log_size));
  if (typeof log === 'number') return fail(log);
  const insns = decodeRaw(raw) as Insn[];
  const used = new Map<number, KMap>();
  const fdArray = attr.ptr(A.fd_array);
  const useMap = (m: KMap): VerifierMapRef => {
    if (!used.has(m.id)) {
      m.inc();
      used.set(m.id, m);
    }
    return { id: m.id, map: m.impl, name: m.name, frozen: m.frozen };
  };
  const releaseMaps = (): void => {
    for (const m of used.values()) m.put();
  };
  const mapFromFdRef = (fd: number): VerifierMapRef | number => {
    const r = mapFromFd(task, fd);
    return typeof r === 'number' ? r : useMap(r.map);
  };
  const mapFromIdx = (idx: number): VerifierMapRef | number => {
    if (!fdArray) return -ERRNO.EPROTO;
    const b = task.mem.copyFromUser(fdArray + 4 * idx, 4);
    if (typeof b === 'number') return -ERRNO.EFAULT;
    return mapFromFdRef(new DataView(b.buffer).getInt32(0, true));
  };
  let err = 0;
  const fdArrayCnt = attr.u32(A.fd_array_cnt);
  if (fdArrayCnt) {
    // process_fd_array: every fd must be a map (BTF objects do not exist here).
    if (!fdArray) err = -ERRNO.EINVAL;
    for (let i = 0; !err && i < fdArrayCnt; i++) {
      const r = mapFromIdx(i);
      if (typeof r === 'number') {
        log.write(`fd ${i} is not pointing to valid bpf_map or btf\n`);
        err = r === -ERRNO.EFAULT ? r : -ERRNO.EINVAL;
      }
    }
  }
  // verification time is host time (env->verification_time): the virtual clock does not advance while verifying
  const t0 = performance.now();
  const res = err
    ? undefined
    : kernel.verifier({
        insns,
        progType: type,
        expectedAttachType,
        progFlags,
        gplCompatible,
        bpfCapable: bpfCap,
        perfmonCapable: perfmonCapable(creds),
        log,
        possibleCpus: kernel.possibleCpus,
        ...(kernel.extHelpers.size
          ? { extHelpers: new Map([...kernel.extHelpers].map(([id, h]) => [id, h.proto])) }
          : {}),
        extProgType: kernel.extProgTypes.get(type),
        mapFromFd: mapFromFdRef,
        mapFromIdx,
      });
  if (res) err = res.err;
  if (log.level) {
    if (log.level & BPF_LOG.STATS) {
      const usec = Math.round((performance.now() - t0) * 1000);
      log.write(`verification time ${usec} usec\n`);
      log.write(`stack depth ${(res?.stackDepths ?? [0]).join('+')}\n`);
    }
    log.write(
      `processed ${res?.insnProcessed ?? 0} insns (limit ${BPF_COMPLEXITY_LIMIT_INSNS}) max_states_per_insn ${res?.maxStatesPerInsn ?? 0} total_states ${res?.totalStates ?? 0} peak_states ${res?.peakStates ?? 0} mark_read 0\n`,
    );
  }
  const fin = log.finalize();
  if (fin.err) err = fin.err;
  if (putLogTrueSize(task, uattr, uattrSize, fin.trueSize)) err = -ERRNO.EFAULT;
  if (err) {
    releaseMaps();
    return fail(err);
  }
  // bpf_prog_select_runtime → bpf_check_tail_call: maps holding programs take the first user as
  // owner (type, jited) and refuse programs of another kind.
  for (const m of used.values()) {
    const impl = m.impl as {
      progMapCompatible?: (p: { id: number; progType: number; jited: boolean }) => boolean;
    };
    if (impl.progMapCompatible && !impl.progMapCompatible({ id: 0, progType: type, jited: true })) {
      releaseMaps();
      return fail(-ERRNO.EINVAL);
    }
  }
  const { digest, tag } = progDigest(raw);
  // convert_pseudo_ld_imm64: remember which map each map reference names (fds are stable during the load).
  const mapRefs = new Map<number, { mapId: number; value: boolean; off: number }>();
  for (let i = 0; i + 1 < insns.length; i++) {
    const x = insns[i] as Insn;
    if (x.code !== 0x18) continue;
    const src = x.src;
    if (src >= 1 && src <= 6 && src !== 3 && src !== 4) {
      const ref = src === 5 || src === 6 ? mapFromIdx(x.imm) : mapFromFdRef(x.imm);
      if (typeof ref !== 'number') {
        const value = src === 2 || src === 6;
        mapRefs.set(i, { mapId: ref.id, value, off: value ? (insns[i + 1] as Insn).imm >>> 0 : 0 });
      }
    }
    i++;
  }
  const prog = kernel.progs.alloc(
    (id) =>
      new KProg(
        id,
        {
          progType: type,
          expectedAttachType,
          origBytes: raw,
          insns,
          name,
          license,
          gplCompatible,
          digest,
          tag,
          usedMaps: [...used.values()],
          mapRefs,
          verifiedInsns: res?.insnProcessed ?? 0,
          progFlags,
          pages,
          loadTimeNs: kernel.clock.ktimeGetNs(),
          uid: creds.uid,
          jited: true,
          fullyVerified: res?.fullyVerified ?? false,
        },
        charge,
        (p) => {
          kernel.emitBpfAudit(p.id, 'UNLOAD');
          kernel.progs.remove(p.id);
          kernel.accounting.uncharge(p.charge);
        },
      ),
  );
  kernel.emitBpfAudit(prog.id, 'LOAD');
  return progNewFd(task, prog);
}
