/**
 * @fileoverview Names task scripts may use in flag expressions (`O_RDWR|O_CLOEXEC`): the strace
 * constant table (clone, signal, socket, open, mman; strace/constants.ts) plus the x86_64 values of
 * the calls the engine emulates beyond it: fcntl (include/uapi/asm-generic/fcntl.h), tun and
 * interface ioctls (if_tun.h, sockios.h, if.h), socket options (asm-generic/socket.h), netlink
 * (netlink.h, rtnetlink.h), wait4 (wait.h), lseek (fs.h) and the generic file ioctls.
 */
import { FIO } from '../fs/ioctl.js';
import { AT, F, FD_CLOEXEC, SEEK } from '../fs/syscalls.js';
import { IFF, SIOC } from '../net/netdev.js';
import { NLM_F, RTM } from '../net/netlink.js';
import { IPPROTO, MSG, SO, SOL_SOCKET } from '../net/socket.js';
import { IFF_TUN_FLAGS, TUN_IOCTL } from '../net/tun.js';
import { x86_64Constant } from '../strace/constants.js';
import { WAIT } from '../syscall-entry.js';

const prefixed = (prefix: string, o: Readonly<Record<string, number>>): [string, number][] =>
  Object.entries(o).map(([k, v]) => [`${prefix}${k}`, v]);

const EXTRA: ReadonlyMap<string, number> = new Map<string, number>([
  ...prefixed('F_', F),
  ['FD_CLOEXEC', FD_CLOEXEC],
  ...prefixed('SEEK_', SEEK),
  ...prefixed('AT_', AT),
  ...prefixed('FIO', FIO),
  ...prefixed('IFF_', IFF),
  ...prefixed('IFF_', IFF_TUN_FLAGS),
  ...prefixed('SIOC', SIOC),
  ...Object.entries(TUN_IOCTL),
  ['SOL_SOCKET', SOL_SOCKET],
  ...prefixed('SO_', SO),
  ...prefixed('MSG_', MSG),
  ...prefixed('IPPROTO_', IPPROTO),
  ['NETLINK_ROUTE', 0],
  ...prefixed('RTM_', RTM),
  ...prefixed('NLM_F_', NLM_F),
  ['WNOHANG', WAIT.NOHANG],
  ['WUNTRACED', WAIT.UNTRACED],
  ['__WALL', WAIT.ALL],
  ['NULL', 0],
]);

/** The value of a constant name, or undefined. */
export function constantValue(name: string): bigint | undefined {
  const v = EXTRA.get(name);
  return v !== undefined ? BigInt(v) : x86_64Constant(name);
}

/** Names of a flag group for display: the `IFF_*` names set in `v` (`IFF_TUN|IFF_NO_PI`). */
export function flagNames(v: number, group: Readonly<Record<string, number>>, prefix: string): string {
  const parts: string[] = [];
  let rest = v;
  for (const [k, bit] of Object.entries(group)) {
    if (bit !== 0 && (v & bit) === bit && (rest & bit) !== 0) {
      parts.push(`${prefix}${k}`);
      rest &= ~bit;
    }
  }
  if (rest !== 0 || parts.length === 0) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}
