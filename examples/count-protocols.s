// XDP: count packets per IP protocol (byte 23 of an Ethernet + IPv4 frame) in an array map.
// Load with: bpfsim prog load count-protocols.s PATH type xdp map idx 0 pinned MAP
    r6 = *(u32 *)(r1 +0)          // xdp_md->data
    r7 = *(u32 *)(r1 +4)          // xdp_md->data_end
    r2 = r6
    r2 += 24
    if r2 > r7 goto out           // the frame must hold byte 23
    r2 = *(u8 *)(r6 +23)          // IPv4 protocol
    *(u32 *)(r10 -4) = r2         // the key, on the stack
    r1 = map[idx:0]
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0x0 goto out
    r1 = 1
    lock *(u64 *)(r0 +0) += r1    // atomic add
out:
    r0 = 2                        // XDP_PASS
    exit
