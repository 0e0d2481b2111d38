; socket_filter: a decided branch: the fall-through is explored speculatively and its bad read gets a barrier
r0 = 0
r1 = 1
if r1 == 1 goto +1
r0 = *(u64 *)(r2 +0)
exit
