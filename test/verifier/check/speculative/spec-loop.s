; socket_filter: a speculative loop
r0 = 0
if r0 == 0 goto +1
goto -2
exit
