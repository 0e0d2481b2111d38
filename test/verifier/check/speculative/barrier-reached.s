; socket_filter: two decided branches lead speculatively to one bad read: the first speculative path
; to reach it gets a barrier there (nospec), the second stops at the barrier
r0 = 0
r1 = 1
if r1 == 1 goto +2
r0 = *(u64 *)(r2 +0)
exit
r3 = 2
if r3 != 2 goto -4
exit
