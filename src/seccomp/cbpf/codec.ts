/**
 * @fileoverview Raw classic BPF filters as bytes: an array of 8-byte `struct sock_filter`
 * (`u16 code, u8 jt, u8 jf, u32 k`, little endian), as libseccomp `seccomp_export_bpf` writes
 * them and as `struct sock_fprog.filter` points to. Models include/uapi/linux/filter.h.
 */
import { type SockFilter, sockFilter } from './filter.js';

/** Size of one `struct sock_filter`. */
export const SOCK_FILTER_SIZE = 8;

/** Result of `decodeFilter`: the instructions, or a one-line reason. */
export type DecodeResult = { ok: true; filter: SockFilter[] } | { ok: false; error: string };

/** Encodes instructions as little-endian `struct sock_filter` bytes (libseccomp `seccomp_export_bpf`). */
export function encodeFilter(filter: readonly SockFilter[]): Uint8Array {
  const bytes = new Uint8Array(filter.length * SOCK_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  filter.forEach((insn, i) => {
    const o = i * SOCK_FILTER_SIZE;
    view.setUint16(o, insn.code & 0xffff, true);
    view.setUint8(o + 2, insn.jt & 0xff);
    view.setUint8(o + 3, insn.jf & 0xff);
    view.setUint32(o + 4, insn.k >>> 0, true);
  });
  return bytes;
}

/**
 * Decodes little-endian `struct sock_filter` bytes. Fails (never throws) when the length is not a
 * multiple of 8. An empty input decodes to an empty filter; the validator rejects it like the
 * kernel does (EINVAL).
 */
export function decodeFilter(bytes: Uint8Array): DecodeResult {
  if (bytes.length % SOCK_FILTER_SIZE !== 0)
    return {
      ok: false,
      error: `filter size ${bytes.length} is not a multiple of ${SOCK_FILTER_SIZE} (sizeof(struct sock_filter))`,
    };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const filter: SockFilter[] = [];
  for (let o = 0; o < bytes.length; o += SOCK_FILTER_SIZE)
    filter.push(
      sockFilter(
        view.getUint16(o, true),
        view.getUint8(o + 2),
        view.getUint8(o + 3),
        view.getUint32(o + 4, true),
      ),
    );
  return { ok: true, filter };
}
