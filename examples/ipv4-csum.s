// The Internet checksum (RFC 1071) of an IPv4 header.
// Called as bpf_conformance and uBPF call programs: r1 = the buffer, r2 = its length (even).
    r0 = 0
    r3 = 0
loop:
    if r3 >= r2 goto fold       // every 16-bit word summed?
    r4 = *(u16 *)(r1 +0)
    r4 = be16 r4                // network byte order
    r0 += r4
    r1 += 2
    r3 += 2
    goto loop
fold:                           // fold the carries into 16 bits, twice
    r4 = r0
    r4 >>= 16
    r0 &= 0xffff
    r0 += r4
    r4 = r0
    r4 >>= 16
    r0 += r4
    r0 ^= 0xffff                // one's complement
    r0 &= 0xffff
    exit
