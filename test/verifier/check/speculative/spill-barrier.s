; socket_filter: pred 0: the goto side is speculative; a pointer spill there ends it (Spectre v4 barrier)
r0 = 0
r1 = 0
if r1 != 0 goto +1
exit
*(u64 *)(r10 -8) = r10
r0 = *(u64 *)(r3 +0)
exit
