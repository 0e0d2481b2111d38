/**
 * @fileoverview Prototypes of the map helpers, as the verifier reads them.
 *
 * Models `struct bpf_func_proto` of kernel/bpf/helpers.c (`bpf_map_lookup_elem_proto`,
 * `bpf_map_update_elem_proto`, `bpf_map_delete_elem_proto`, `bpf_map_push/pop/peek_elem_proto`,
 * `bpf_map_lookup_percpu_elem_proto`), kernel/bpf/core.c (`bpf_tail_call_proto`),
 * kernel/bpf/ringbuf.c (`bpf_ringbuf_*_proto`), kernel/bpf/bpf_iter.c
 * (`bpf_for_each_map_elem_proto`) and kernel/trace/bpf_trace.c (`bpf_perf_event_output_proto`),
 * with the helper ids of include/uapi/linux/bpf.h `___BPF_FUNC_MAPPER`.
 */

/** Models include/linux/bpf.h `enum bpf_return_type` (the values these helpers use). */
export const RET = {
  INTEGER: 'RET_INTEGER',
  VOID: 'RET_VOID',
  PTR_TO_MAP_VALUE_OR_NULL: 'RET_PTR_TO_MAP_VALUE_OR_NULL',
  PTR_TO_RINGBUF_MEM_OR_NULL: 'RET_PTR_TO_RINGBUF_MEM_OR_NULL',
} as const;
/** A helper's return type. */
export type RetType = (typeof RET)[keyof typeof RET];

/** Models include/linux/bpf.h `enum bpf_arg_type` (with the flags these helpers combine). */
export const ARG = {
  ANYTHING: 'ARG_ANYTHING',
  CONST_MAP_PTR: 'ARG_CONST_MAP_PTR',
  PTR_TO_MAP_KEY: 'ARG_PTR_TO_MAP_KEY',
  PTR_TO_MAP_VALUE: 'ARG_PTR_TO_MAP_VALUE',
  /** ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE (pop/peek write the value). */
  PTR_TO_UNINIT_MAP_VALUE: 'ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE',
  PTR_TO_CTX: 'ARG_PTR_TO_CTX',
  /** ARG_PTR_TO_MEM | MEM_RDONLY. */
  PTR_TO_MEM_RDONLY: 'ARG_PTR_TO_MEM | MEM_RDONLY',
  CONST_SIZE_OR_ZERO: 'ARG_CONST_SIZE_OR_ZERO',
  CONST_ALLOC_SIZE_OR_ZERO: 'ARG_CONST_ALLOC_SIZE_OR_ZERO',
  /** ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE. */
  PTR_TO_RINGBUF_MEM_RELEASE: 'ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE',
  PTR_TO_FUNC: 'ARG_PTR_TO_FUNC',
  PTR_TO_STACK_OR_NULL: 'ARG_PTR_TO_STACK_OR_NULL',
} as const;
/** A helper argument type. */
export type ArgType = (typeof ARG)[keyof typeof ARG];

/** One helper prototype. Models `struct bpf_func_proto`. */
export interface MapHelperProto {
  /** `BPF_FUNC_*` number. */
  readonly id: number;
  /** Name without the `bpf_` prefix, as verifier logs print it (`map_lookup_elem#1`). */
  readonly name: string;
  readonly gplOnly: boolean;
  readonly ret: RetType;
  readonly args: readonly ArgType[];
}

/** Helper ids (include/uapi/linux/bpf.h `___BPF_FUNC_MAPPER`). */
export const BPF_FUNC = {
  map_lookup_elem: 1,
  map_update_elem: 2,
  map_delete_elem: 3,
  tail_call: 12,
  perf_event_output: 25,
  map_push_elem: 87,
  map_pop_elem: 88,
  map_peek_elem: 89,
  ringbuf_output: 130,
  ringbuf_reserve: 131,
  ringbuf_submit: 132,
  ringbuf_discard: 133,
  ringbuf_query: 134,
  for_each_map_elem: 164,
  map_lookup_percpu_elem: 195,
} as const;

const A = ARG;

/** The map helpers' prototypes, by id. */
export const MAP_HELPER_PROTOS: ReadonlyMap<number, MapHelperProto> = new Map(
  (
    [
      [
        BPF_FUNC.map_lookup_elem,
        'map_lookup_elem',
        false,
        RET.PTR_TO_MAP_VALUE_OR_NULL,
        [A.CONST_MAP_PTR, A.PTR_TO_MAP_KEY],
      ],
      [
        BPF_FUNC.map_update_elem,
        'map_update_elem',
        false,
        RET.INTEGER,
        [A.CONST_MAP_PTR, A.PTR_TO_MAP_KEY, A.PTR_TO_MAP_VALUE, A.ANYTHING],
      ],
      [BPF_FUNC.map_delete_elem, 'map_delete_elem', false, RET.INTEGER, [A.CONST_MAP_PTR, A.PTR_TO_MAP_KEY]],
      [BPF_FUNC.tail_call, 'tail_call', false, RET.VOID, [A.PTR_TO_CTX, A.CONST_MAP_PTR, A.ANYTHING]],
      [
        BPF_FUNC.perf_event_output,
        'perf_event_output',
        true,
        RET.INTEGER,
        [A.PTR_TO_CTX, A.CONST_MAP_PTR, A.ANYTHING, A.PTR_TO_MEM_RDONLY, A.CONST_SIZE_OR_ZERO],
      ],
      [
        BPF_FUNC.map_push_elem,
        'map_push_elem',
        false,
        RET.INTEGER,
        [A.CONST_MAP_PTR, A.PTR_TO_MAP_VALUE, A.ANYTHING],
      ],
      [
        BPF_FUNC.map_pop_elem,
        'map_pop_elem',
        false,
        RET.INTEGER,
        [A.CONST_MAP_PTR, A.PTR_TO_UNINIT_MAP_VALUE],
      ],
      [
        BPF_FUNC.map_peek_elem,
        'map_peek_elem',
        false,
        RET.INTEGER,
        [A.CONST_MAP_PTR, A.PTR_TO_UNINIT_MAP_VALUE],
      ],
      [
        BPF_FUNC.ringbuf_output,
        'ringbuf_output',
        false,
        RET.INTEGER,
        [A.CONST_MAP_PTR, A.PTR_TO_MEM_RDONLY, A.CONST_SIZE_OR_ZERO, A.ANYTHING],
      ],
      [
        BPF_FUNC.ringbuf_reserve,
        'ringbuf_reserve',
        false,
        RET.PTR_TO_RINGBUF_MEM_OR_NULL,
        [A.CONST_MAP_PTR, A.CONST_ALLOC_SIZE_OR_ZERO, A.ANYTHING],
      ],
      [
        BPF_FUNC.ringbuf_submit,
        'ringbuf_submit',
        false,
        RET.VOID,
        [A.PTR_TO_RINGBUF_MEM_RELEASE, A.ANYTHING],
      ],
      [
        BPF_FUNC.ringbuf_discard,
        'ringbuf_discard',
        false,
        RET.VOID,
        [A.PTR_TO_RINGBUF_MEM_RELEASE, A.ANYTHING],
      ],
      [BPF_FUNC.ringbuf_query, 'ringbuf_query', false, RET.INTEGER, [A.CONST_MAP_PTR, A.ANYTHING]],
      [
        BPF_FUNC.for_each_map_elem,
        'for_each_map_elem',
        false,
        RET.INTEGER,
        [A.CONST_MAP_PTR, A.PTR_TO_FUNC, A.PTR_TO_STACK_OR_NULL, A.ANYTHING],
      ],
      [
        BPF_FUNC.map_lookup_percpu_elem,
        'map_lookup_percpu_elem',
        false,
        RET.PTR_TO_MAP_VALUE_OR_NULL,
        [A.CONST_MAP_PTR, A.PTR_TO_MAP_KEY, A.ANYTHING],
      ],
    ] as const
  ).map(([id, name, gplOnly, ret, args]) => [id, { id, name, gplOnly, ret, args }]),
);
