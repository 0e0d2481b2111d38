; socket_filter: the bad read is on a real path too: errors there reject the program
r0 = 0
r1 = 1
if r1 == 1 goto +2
r0 = *(u64 *)(r2 +0)
exit
r3 = 2
if r3 == 2 goto -4
exit
