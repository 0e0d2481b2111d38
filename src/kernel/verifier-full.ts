/**
 * @fileoverview The default verifier hook: the structural passes, then the verifier's main pass
 * (src/verifier/check) with the per-program-type tables (src/verifier/env).
 *
 * Models `bpf_check` (kernel/bpf/verifier.c, Linux 6.18) from `add_subprog_and_kfunc` to
 * `check_max_stack_depth`; the syscall layer prints the statistics and finalizes the log.
 */
import { BPF_FUNC_NAMES } from '../uapi/bpf-helpers.js';
import { verifyProgram } from '../verifier/check/do-check.js';
import type { LdImmMapRef, VerifierMapInfo, VerifierTables } from '../verifier/check/input.js';
import { ctxAccess } from '../verifier/env/ctx-access.js';
import { funcProto, helperName } from '../verifier/env/helper-protos.js';
import { checkMapFuncCompatibility } from '../verifier/env/map-helper-compat.js';
import { REG_TYPE } from '../verifier/reg-state.js';
import { structuralPasses, type VerifierHook, type VerifierMapRef } from './verifier-hook.js';

/** Models `bpf_helper_changes_pkt_data` (net/core/filter.c). */
const CHANGES_PKT_DATA = new Set(
  [
    'clone_redirect',
    'l3_csum_replace',
    'l4_csum_replace',
    'lwt_push_encap',
    'lwt_seg6_action',
    'lwt_seg6_adjust_srh',
    'lwt_seg6_store_bytes',
    'msg_pop_data',
    'msg_pull_data',
    'msg_push_data',
    'skb_adjust_room',
    'skb_change_head',
    'skb_change_proto',
    'skb_change_tail',
    'skb_pull_data',
    'skb_store_bytes',
    'skb_vlan_pop',
    'skb_vlan_push',
    'store_hdr_opt',
    'xdp_adjust_head',
    'xdp_adjust_meta',
    'xdp_adjust_tail',
  ].map((n) => BPF_FUNC_NAMES.indexOf(n as (typeof BPF_FUNC_NAMES)[number])),
);

function mapInfo(ref: VerifierMapRef, cache: Map<number, VerifierMapInfo>): VerifierMapInfo {
  const hit = cache.get(ref.id);
  if (hit) return hit;
  const m = ref.map;
  const info: VerifierMapInfo = {
    id: ref.id,
    mapType: m.mapType,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    mapFlags: m.mapFlags,
    name: ref.name ?? '',
    frozen: ref.frozen === true || (m.mapFlags & (1 << 7)) !== 0,
    ...(ref.inner ? { innerMap: mapInfo(ref.inner, cache) } : {}),
  };
  cache.set(ref.id, info);
  return info;
}

/** The bpfsim verifier as the kernel's hook. */
export const fullVerifier: VerifierHook = (req) => {
  const s = structuralPasses(req);
  if ('err' in s) return s;
  const cache = new Map<number, VerifierMapInfo>();
  const ldImmMaps = new Map<number, LdImmMapRef>();
  for (const [i, r] of s.ldImmMaps)
    ldImmMaps.set(i, { map: mapInfo(r.ref, cache), value: r.value, off: r.off });
  const ext = req.extHelpers;
  const pt = req.extProgType;
  const tables: VerifierTables = {
    funcProto: (progType, id, ctx) => ext?.get(id) ?? (pt ? pt.funcProto(id) : funcProto(progType, id, ctx)),
    ctxAccess: pt
      ? (_t, _eat, off, size, write) =>
          pt.isValidAccess(off, size, write)
            ? { ok: true, regType: REG_TYPE.SCALAR_VALUE, ctxFieldSize: 0, writable: write }
            : { ok: false }
      : ctxAccess,
    extHelper: (id) => ext?.has(id) === true,
    helperName: (id) => ext?.get(id)?.name ?? helperName(id),
    changesPktData: (id) => CHANGES_PKT_DATA.has(id),
    mapFuncCompat: (mapType, funcId) => {
      const r = checkMapFuncCompatibility(
        { progType: req.progType, expectedAttachType: req.expectedAttachType },
        mapType,
        funcId,
      );
      return r.ok ? null : r.log;
    },
  };
  const out = verifyProgram({
    insns: req.insns,
    progType: req.progType,
    expectedAttachType: req.expectedAttachType,
    progFlags: req.progFlags,
    gplCompatible: req.gplCompatible,
    bpfCapable: req.bpfCapable,
    perfmonCapable: req.perfmonCapable,
    log: req.log,
    ldImmMaps,
    subprogStarts: s.subprogStarts,
    tables,
  });
  return { ...out, fullyVerified: true };
};
