/**
 * @fileoverview Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h) and the
 * kernel-internal ones the bpf() syscall can return (include/linux/errno.h).
 * Values as on x86_64 (the generic table).
 */

/** errno numbers by name. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOMSG: 42,
  EIDRM: 43,
  ENODATA: 61,
  ETIME: 62,
  EPROTO: 71,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EBADFD: 77,
  EILSEQ: 84,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EPFNOSUPPORT: 96,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
  ESTALE: 116,
  EDQUOT: 122,
  ECANCELED: 125,
  EOWNERDEAD: 130,
  ENOTRECOVERABLE: 131,
  /** Kernel-internal: operation not supported (include/linux/errno.h), leaks to user space as 524. */
  ENOTSUPP: 524,
} as const;
export type ErrnoName = keyof typeof ERRNO;

const NAMES: Record<number, ErrnoName> = {};
for (const [name, value] of Object.entries(ERRNO) as [ErrnoName, number][]) {
  if (NAMES[value] === undefined) NAMES[value] = name;
}

/** The name of an errno (positive or negative), e.g. `errnoName(-7) === 'E2BIG'`; `undefined` if unknown. */
export function errnoName(errno: number): ErrnoName | undefined {
  return NAMES[Math.abs(errno)];
}

/** The number of an errno name, e.g. `errnoNumber('ENOENT') === 2`; `undefined` if unknown. */
export function errnoNumber(name: string): number | undefined {
  return (ERRNO as Record<string, number>)[name];
}
