/**
 * @fileoverview Built-in workloads modelled on real programs.
 *
 * - `nebula`: the start of Nebula's Linux tun device and listener (seed 001, overlay/tun_linux.go
 *   `newTun`/`Activate`, udp/udp_linux.go): read the config, open /dev/net/tun, TUNSETIFF
 *   "nebula1" with IFF_TUN|IFF_NO_PI|IFF_MULTI_QUEUE, an AF_INET ioctl socket for SIOCGIFFLAGS,
 *   SIOCSIFMTU 1300, SIOCSIFTXQLEN 500 and SIOCGIFINDEX, rtnetlink RTM_NEWADDR, IFF_UP, RTM_NEWROUTE
 *   for the overlay network, the UDP listener on 0.0.0.0:4242 with a handshake out and a packet
 *   looped back, a packet written to the tun device, a non-blocking tun read (EAGAIN).
 * - `shell`: `sh -c 'ls /etc'`: clone, execve /bin/ls in the child (which opens and lists /etc and
 *   writes to stdout), wait4 in the parent, exits.
 * - `web`: an HTTP server: socket, SO_REUSEADDR, bind 0.0.0.0:8080, listen, then accept4, read,
 *   write, close three times, for a load generator it forks after listen.
 */
import type { Step, Workload } from './script.js';

const inet = (addr: string, port: number) => ({ sockaddr: { family: 'inet' as const, addr, port } });

/** An IPv4/UDP packet 10.1.0.2 → 10.1.0.1 as the overlay would hand it to the tun device. */
const OVERLAY_PACKET = '4500002000004000401100000a0100020a010001' + '10921092000c0000' + '70696e67';

const nebula: Workload = {
  name: 'nebula',
  description: "Nebula's tun device, interface setup, routes and UDP listener (seed 001)",
  tasks: [
    {
      name: 'nebula',
      exe: '/usr/local/bin/nebula',
      steps: [
        {
          call: 'openat',
          args: ['AT_FDCWD', { str: '/etc/nebula/config.yml' }, 'O_RDONLY|O_CLOEXEC'],
          as: 'cfg',
        },
        { call: 'read', args: ['$cfg', { buf: 4096 }, 4096] },
        { call: 'close', args: ['$cfg'] },
        { call: 'openat', args: ['AT_FDCWD', { str: '/dev/net/tun' }, 'O_RDWR|O_CLOEXEC', 0], as: 'tun' },
        {
          call: 'ioctl',
          args: [
            '$tun',
            'TUNSETIFF',
            { ifreq: { name: 'nebula1', flags: 'IFF_TUN|IFF_NO_PI|IFF_MULTI_QUEUE' } },
          ],
          note: 'newTun: TUNSETIFF',
        },
        { call: 'socket', args: ['AF_INET', 'SOCK_DGRAM|SOCK_CLOEXEC', 'IPPROTO_IP'], as: 'ioctlfd' },
        {
          call: 'ioctl',
          args: ['$ioctlfd', 'SIOCGIFFLAGS', { ifreq: { name: 'nebula1' } }],
          capture: { ifflags: 2 },
        },
        {
          call: 'ioctl',
          args: ['$ioctlfd', 'SIOCSIFMTU', { ifreq: { name: 'nebula1', mtu: 1300 } }],
          note: 'setMTU',
        },
        { call: 'ioctl', args: ['$ioctlfd', 'SIOCSIFTXQLEN', { ifreq: { name: 'nebula1', qlen: 500 } }] },
        {
          call: 'ioctl',
          args: ['$ioctlfd', 'SIOCGIFINDEX', { ifreq: { name: 'nebula1', ifindex: 0 } }],
          capture: { ifindex: 2 },
        },
        {
          call: 'socket',
          args: ['AF_NETLINK', 'SOCK_RAW|SOCK_CLOEXEC', 'NETLINK_ROUTE'],
          as: 'nl',
          note: 'netlink.AddrAdd',
        },
        { call: 'bind', args: ['$nl', { sockaddr: { family: 'netlink' } }, 12] },
        {
          call: 'sendto',
          args: [
            '$nl',
            {
              nlmsg: {
                type: 'RTM_NEWADDR',
                flags: 'NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE|NLM_F_EXCL',
                dst: '10.1.0.1/16',
                oif: '$ifindex',
                seq: 1,
              },
            },
            '@len',
            0,
            'NULL',
            0,
          ],
        },
        { call: 'recvfrom', args: ['$nl', { buf: 4096 }, 4096, 0, 'NULL', 'NULL'] },
        {
          call: 'ioctl',
          args: ['$ioctlfd', 'SIOCSIFFLAGS', { ifreq: { name: 'nebula1', flags: '$ifflags|IFF_UP' } }],
          note: 'link up',
        },
        {
          call: 'sendto',
          args: [
            '$nl',
            {
              nlmsg: {
                type: 'RTM_NEWROUTE',
                flags: 'NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE|NLM_F_REPLACE',
                dst: '10.1.0.0/16',
                oif: '$ifindex',
                mtu: 1300,
                seq: 2,
              },
            },
            '@len',
            0,
            'NULL',
            0,
          ],
          note: 'netlink.RouteReplace',
        },
        { call: 'recvfrom', args: ['$nl', { buf: 4096 }, 4096, 0, 'NULL', 'NULL'] },
        { call: 'close', args: ['$nl'] },
        {
          call: 'socket',
          args: ['AF_INET', 'SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK', 'IPPROTO_IP'],
          as: 'udp',
          note: 'udp listener',
        },
        { call: 'setsockopt', args: ['$udp', 'SOL_SOCKET', 'SO_RCVBUF', { int: 2097152 }, 4] },
        { call: 'bind', args: ['$udp', inet('0.0.0.0', 4242), 16] },
        { call: 'getsockname', args: ['$udp', { addr: 16 }, { int: 16 }] },
        {
          call: 'sendto',
          args: ['$udp', { text: 'handshake' }, 9, 0, inet('192.0.2.10', 4242), 16],
          note: 'to the lighthouse',
        },
        {
          call: 'sendto',
          args: ['$udp', { text: 'ping' }, 4, 0, inet('127.0.0.1', 4242), 16],
          note: 'a local peer',
        },
        { call: 'recvfrom', args: ['$udp', { buf: 1500 }, 1500, 0, { addr: 16 }, { int: 16 }] },
        {
          call: 'recvfrom',
          args: ['$udp', { buf: 1500 }, 1500, 0, { addr: 16 }, { int: 16 }],
          note: 'nothing queued',
        },
        {
          call: 'write',
          args: ['$tun', { hex: OVERLAY_PACKET }, '@len'],
          note: 'an overlay packet to the host',
        },
        { call: 'fcntl', args: ['$tun', 'F_GETFL'], as: 'tunfl' },
        { call: 'fcntl', args: ['$tun', 'F_SETFL', '$tunfl|O_NONBLOCK'] },
        { call: 'read', args: ['$tun', { buf: 1500 }, 1500], note: 'nothing routed in' },
        { call: 'close', args: ['$udp'] },
        { call: 'close', args: ['$ioctlfd'] },
        { call: 'close', args: ['$tun'] },
        { call: 'exit_group', args: [0] },
      ],
    },
  ],
};

const lsSteps: Step[] = [
  { call: 'execve', args: [{ str: '/bin/ls' }, { argv: ['ls', '/etc'] }, 0] },
  { call: 'openat', args: ['AT_FDCWD', { str: '/etc/ld.so.preload' }, 'O_RDONLY|O_CLOEXEC'] },
  {
    call: 'openat',
    args: ['AT_FDCWD', { str: '/etc' }, 'O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY'],
    as: 'd',
  },
  { call: 'fstat', args: ['$d', { buf: 144 }] },
  { call: 'getdents64', args: ['$d', { buf: 32768 }, 32768] },
  { call: 'getdents64', args: ['$d', { buf: 32768 }, 32768] },
  { call: 'close', args: ['$d'] },
  { call: 'write', args: [1, { text: 'hostname  nebula  passwd  shadow\n' }, '@len'] },
  { call: 'close', args: [1] },
  { call: 'close', args: [2] },
  { call: 'exit_group', args: [0] },
];

const shell: Workload = {
  name: 'shell',
  description: "sh -c 'ls /etc': clone, execve /bin/ls, list a directory, write, wait4, exit",
  tasks: [
    {
      name: 'sh',
      exe: '/bin/sh',
      steps: [
        { call: 'newfstatat', args: ['AT_FDCWD', { str: '/bin/ls' }, { buf: 144 }, 0] },
        {
          call: 'clone',
          args: ['CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD', 0, 0, 0, 0],
          as: 'pid',
          child: lsSteps,
        },
        { call: 'wait4', args: ['-1', { int: 0 }, 0, 0], capture: { status: 1 } },
        { call: 'write', args: [1, { text: '$ ' }, 2] },
        { call: 'exit_group', args: [0] },
      ],
    },
  ],
};

const REQUEST = 'GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n';
const RESPONSE = 'HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n';

const web: Workload = {
  name: 'web',
  description: 'an HTTP server: socket/bind/listen, then accept4/read/write/close for three clients',
  tasks: [
    {
      name: 'httpd',
      exe: '/usr/bin/httpd',
      steps: [
        { call: 'socket', args: ['AF_INET', 'SOCK_STREAM|SOCK_CLOEXEC', 'IPPROTO_IP'], as: 'ls' },
        { call: 'setsockopt', args: ['$ls', 'SOL_SOCKET', 'SO_REUSEADDR', { int: 1 }, 4] },
        { call: 'bind', args: ['$ls', inet('0.0.0.0', 8080), 16] },
        { call: 'listen', args: ['$ls', 128] },
        {
          call: 'fork',
          note: 'the load generator',
          child: [
            { call: 'close', args: ['$ls'] },
            {
              loop: 3,
              body: [
                { call: 'socket', args: ['AF_INET', 'SOCK_STREAM|SOCK_CLOEXEC', 0], as: 'c' },
                { call: 'connect', args: ['$c', inet('127.0.0.1', 8080), 16] },
                { call: 'write', args: ['$c', { text: REQUEST }, '@len'] },
                { call: 'read', args: ['$c', { buf: 1024 }, 1024] },
                { call: 'read', args: ['$c', { buf: 1024 }, 1024] },
                { call: 'close', args: ['$c'] },
              ],
            },
          ],
        },
        {
          loop: 3,
          body: [
            { call: 'accept4', args: ['$ls', { addr: 16 }, { int: 16 }, 'SOCK_CLOEXEC'], as: 'conn' },
            { call: 'read', args: ['$conn', { buf: 1024 }, 1024] },
            { call: 'write', args: ['$conn', { text: RESPONSE }, '@len'] },
            { call: 'close', args: ['$conn'] },
          ],
        },
        { call: 'wait4', args: ['-1', { int: 0 }, 0, 0] },
        { call: 'close', args: ['$ls'] },
        { call: 'exit_group', args: [0] },
      ],
    },
  ],
};

/** The built-in workloads by name. */
export const BUILTIN_WORKLOADS: Readonly<Record<string, Workload>> = { nebula, shell, web };
