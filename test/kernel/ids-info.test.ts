import { describe, expect, it } from 'vitest';
import { encodeRaw, insn } from '../../src/isa/insn.js';
import { MapHandle } from '../../src/kernel/api/map.js';
import { BpfAttr } from '../../src/kernel/attr/codec.js';
import { BPF_CMD } from '../../src/kernel/attr/commands.js';
import { ID_ATTR, INFO_ATTR } from '../../src/kernel/attr/layout.js';
import { ERRNO } from '../../src/uapi/errno.js';
import { rawBpf, setup } from './helpers.js';

describe('ids (syscall.c bpf_obj_get_next_id, *_get_fd_by_id)', () => {
  it('walks map ids in order and ends with ENOENT', () => {
    const { task } = setup();
    const a = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    const b = task.createMap({ type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1 });
    const ids: number[] = [];
    let start = 0;
    for (;;) {
      const r = rawBpf(task, BPF_CMD.MAP_GET_NEXT_ID, new BpfAttr().set(ID_ATTR.start_id, start));
      if (r.ret < 0) {
        expect(r.ret).toBe(-ERRNO.ENOENT);
        break;
      }
      start = r.out.u32(ID_ATTR.next_id);
      ids.push(start);
    }
    expect(ids).toEqual([a.id, b.id]);
  });
  it('opens a map by id with the requested access; unknown ids are ENOENT', () => {
    const { task } = setup();
    const a = task.createMap({ type: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    const r = rawBpf(
      task,
      BPF_CMD.MAP_GET_FD_BY_ID,
      new BpfAttr().set(ID_ATTR.map_id, a.id).set(ID_ATTR.open_flags, 1 << 3),
    );
    expect(r.ret).toBe(4);
    expect(task.fdinfo(4)).toMatchObject({ flags: '02000000', map_id: String(a.id) });
    expect(rawBpf(task, BPF_CMD.MAP_GET_FD_BY_ID, new BpfAttr().set(ID_ATTR.map_id, 999)).ret).toBe(
      -ERRNO.ENOENT,
    );
    expect(
      rawBpf(
        task,
        BPF_CMD.MAP_GET_FD_BY_ID,
        new BpfAttr().set(ID_ATTR.map_id, a.id).set(ID_ATTR.open_flags, 3 << 3),
      ).ret,
    ).toBe(-ERRNO.EINVAL);
  });
  it('reports EBADFD for OBJ_GET_INFO_BY_FD on a closed fd and EINVAL on a non-bpf file', () => {
    const { task } = setup();
    expect(rawBpf(task, BPF_CMD.OBJ_GET_INFO_BY_FD, new BpfAttr().set(INFO_ATTR.bpf_fd, 9)).ret).toBe(-77);
    expect(rawBpf(task, BPF_CMD.OBJ_GET_INFO_BY_FD, new BpfAttr().set(INFO_ATTR.bpf_fd, 1)).ret).toBe(
      -ERRNO.EINVAL,
    );
  });
});

describe('prog_array user references (syscall.c bpf_map_put_uref → map_release_uref)', () => {
  it('is cleared when the last user fd closes while a program still holds the map', () => {
    const { task } = setup();
    const pa = task.createMap({ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 2 });
    const target = task.loadProgram({
      type: 'socket_filter',
      insns: encodeRaw([insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)]),
    });
    pa.update(0, target.fd);
    expect(pa.lookup(0)).toEqual(Uint8Array.of(target.id, 0, 0, 0));
    const user = task.loadProgram({
      type: 'socket_filter',
      insns: encodeRaw([
        insn(0x18, 1, 1, 0, pa.fd),
        insn(0, 0, 0, 0, 0),
        insn(0xb7, 0, 0, 0, 0),
        insn(0x95, 0, 0, 0, 0),
      ]),
    });
    const id = pa.id;
    pa.close();
    // The program keeps the map alive, but no user reference is left: entries were dropped.
    expect(task.kernel.maps.find(id)).toBeDefined();
    const r = rawBpf(task, BPF_CMD.MAP_GET_FD_BY_ID, new BpfAttr().set(ID_ATTR.map_id, id));
    expect(r.ret).toBeGreaterThan(2);
    expect(MapHandle.fromFd(task, r.ret).lookup(0)).toBeUndefined();
    user.close();
    task.close(r.ret);
    expect(task.kernel.maps.find(id)).toBeUndefined();
  });
});

describe('bpf_tail_call through a prog_array (VM runner)', () => {
  it('jumps to the program at the index and falls through on an empty slot', () => {
    const { task } = setup();
    const pa = task.createMap({ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 2 });
    const target = task.loadProgram({
      type: 'xdp',
      insns: encodeRaw([insn(0xb7, 0, 0, 0, 3), insn(0x95, 0, 0, 0, 0)]),
    });
    pa.update(0, target.fd);
    // r2 = prog_array; r3 = idx; call bpf_tail_call; r0 = 1; exit
    const caller = (idx: number) =>
      task.loadProgram({
        type: 'xdp',
        insns: encodeRaw([
          insn(0x18, 2, 1, 0, pa.fd),
          insn(0, 0, 0, 0, 0),
          insn(0xb7, 3, 0, 0, idx),
          insn(0x85, 0, 0, 0, 12),
          insn(0xb7, 0, 0, 0, 1),
          insn(0x95, 0, 0, 0, 0),
        ]),
      });
    expect(caller(0).run(new Uint8Array(14)).retval).toBe(3);
    expect(caller(1).run(new Uint8Array(14)).retval).toBe(1);
  });
});

describe('prog_array owner (core.c bpf_check_tail_call)', () => {
  it('the first program using a prog_array owns it; fdinfo shows the owner; other types are EINVAL', () => {
    const { task } = setup();
    const pa = task.createMap({ type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 2 });
    const using = (type: string) =>
      task.loadProgram({
        type,
        insns: encodeRaw([
          insn(0x18, 1, 1, 0, pa.fd),
          insn(0, 0, 0, 0, 0),
          insn(0xb7, 0, 0, 0, 0),
          insn(0x95, 0, 0, 0, 0),
        ]),
      });
    expect(task.fdinfo(pa.fd)).not.toHaveProperty('owner_prog_type');
    using('xdp');
    expect(task.fdinfo(pa.fd)).toMatchObject({ owner_prog_type: '6', owner_jited: '1' });
    expect(() => using('xdp')).not.toThrow();
    expect(() => using('socket_filter')).toThrow(/EINVAL/);
  });
});
