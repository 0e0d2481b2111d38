; socket_filter: pointer plus a bounded register offset: the masked (offset 0) case is simulated
r1 = 0
*(u64 *)(r10 -8) = r1
r2 = r10
r2 += -8
r1 = map[fd:0]
call bpf_map_lookup_elem
if r0 == 0 goto +5
r1 = *(u32 *)(r0 +0)
if r1 > 40 goto +3
r0 += r1
r0 = *(u8 *)(r0 +0)
exit
r0 = 0
exit
