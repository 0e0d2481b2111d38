import { describe, expect, it } from 'vitest';
import { IFF, IFREQ_SIZE, SIOC } from '../../../src/kernel/net/netdev.js';
import { NLM_F, NLMSG, RTA, RTM } from '../../../src/kernel/net/netlink.js';
import { netOf } from '../../../src/kernel/net/netns.js';
import { IFF_TUN_FLAGS, TUN_IOCTL } from '../../../src/kernel/net/tun.js';
import { NR } from '../../../src/kernel/syscall-entry.js';
import { ERRNO, errnoName } from '../../../src/uapi/errno.js';
import { kernelUnavailable } from '../backend/env.js';
import { hostCaller, simTask } from '../fs/sys.js';

const attr = (type: number, payload: number[]): number[] => {
  const len = 4 + payload.length;
  const out = [len & 0xff, len >> 8, type & 0xff, type >> 8, ...payload];
  while (out.length % 4) out.push(0);
  return out;
};
const u32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

/** An rtnetlink request: header + body + attributes. */
function nlmsg(type: number, flags: number, seq: number, body: number[], attrs: number[] = []): Uint8Array {
  const len = 16 + body.length + attrs.length;
  return Uint8Array.from([
    ...u32(len),
    type & 0xff,
    type >> 8,
    flags & 0xff,
    flags >> 8,
    ...u32(seq),
    ...u32(0),
    ...body,
    ...attrs,
  ]);
}
const route = (flags: number, oif: number, dst = [10, 1, 0, 0], len = 16): Uint8Array =>
  nlmsg(
    RTM.NEWROUTE,
    NLM_F.REQUEST | flags,
    7,
    [2, len, 0, 0, 254, 4, 253, 1, 0, 0, 0, 0],
    [...attr(RTA.DST, dst), ...attr(RTA.OIF, u32(oif))],
  );
const addr = (flags: number, ifindex: number): Uint8Array =>
  nlmsg(
    RTM.NEWADDR,
    NLM_F.REQUEST | flags,
    3,
    [2, 16, 0, 0, ...u32(ifindex)],
    [...attr(2, [10, 1, 0, 1]), ...attr(1, [10, 1, 0, 1])],
  );

/** Reads one answer: [type, error, flags, seq]. */
function answer(
  call: (name: keyof typeof NR, ...a: (number | Uint8Array)[]) => number,
  fd: number,
): [number, number, number, number] {
  const b = new Uint8Array(512);
  const n = call('read', fd, b, 512);
  if (n < 0) return [n, 0, 0, 0];
  const dv = new DataView(b.buffer);
  return [dv.getUint16(4, true), dv.getInt32(16, true), dv.getUint16(6, true), dv.getUint32(8, true)];
}

const why = await kernelUnavailable();

describe('rtnetlink', () => {
  function withTun() {
    const s = simTask();
    const t = s.call('openat', -100, '/dev/net/tun', 2, 0);
    const r = new Uint8Array(IFREQ_SIZE);
    r.set(new TextEncoder().encode('nebula1'));
    new DataView(r.buffer).setUint16(16, IFF_TUN_FLAGS.TUN, true);
    expect(s.call('ioctl', t, TUN_IOCTL.TUNSETIFF, r)).toBe(0);
    const nl = s.call('socket', 16, 3, 0);
    return { ...s, nl, ifindex: netOf(s.kernel).devices.get('nebula1')?.ifindex ?? -1 };
  }

  it('RTM_NEWADDR: an ack (NLMSG_ERROR 0, NLM_F_CAPPED) when asked, EEXIST with NLM_F_EXCL, ENODEV', () => {
    const { call, nl, ifindex, kernel } = withTun();
    const m = addr(NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, ifindex);
    expect(call('write', nl, m, m.length)).toBe(m.length);
    expect(answer(call, nl)).toEqual([NLMSG.ERROR, 0, NLM_F.CAPPED, 3]);
    expect(netOf(kernel).addrs.some((a) => a.addr === '10.1.0.1' && a.ifindex === ifindex)).toBe(true);
    call('write', nl, m, m.length);
    expect(answer(call, nl)).toEqual([NLMSG.ERROR, -ERRNO.EEXIST, 0, 3]);
    const bad = addr(NLM_F.CREATE, 999);
    call('write', nl, bad, bad.length);
    expect(answer(call, nl)).toEqual([NLMSG.ERROR, -ERRNO.ENODEV, 0, 3]);
    // No ack asked and no error: nothing queued.
    const quiet = addr(NLM_F.CREATE, ifindex);
    call('write', nl, quiet, quiet.length);
    expect(call('recvfrom', nl, new Uint8Array(64), 64, 0x40, 0, 0)).toBe(-ERRNO.EAGAIN);
  });

  it('RTM_NEWROUTE: ENETDOWN while the device is down, ENOENT without NLM_F_CREATE, then added', () => {
    const { call, nl, ifindex, kernel } = withTun();
    const m = route(NLM_F.ACK | NLM_F.CREATE, ifindex);
    call('write', nl, m, m.length);
    expect(answer(call, nl)[1]).toBe(-ERRNO.ENETDOWN);
    const s = call('socket', 2, 2, 0);
    const up = new Uint8Array(IFREQ_SIZE);
    up.set(new TextEncoder().encode('nebula1'));
    new DataView(up.buffer).setUint16(16, IFF.UP | IFF.POINTOPOINT | IFF.NOARP, true);
    expect(call('ioctl', s, SIOC.SIFFLAGS, up)).toBe(0);
    const noCreate = route(NLM_F.ACK, ifindex);
    call('write', nl, noCreate, noCreate.length);
    expect(answer(call, nl)[1]).toBe(-ERRNO.ENOENT);
    call('write', nl, m, m.length);
    expect(answer(call, nl)).toEqual([NLMSG.ERROR, 0, NLM_F.CAPPED, 7]);
    expect(netOf(kernel).routes).toEqual([
      { family: 2, dst: '10.1.0.0', dstLen: 16, oif: ifindex, table: 254, mtu: 0 },
    ]);
  });

  it('EPERM without CAP_NET_ADMIN; message types it does not handle are not emulated', () => {
    const user = simTask({ uid: 1000 });
    const nl = user.call('socket', 16, 3, 0);
    const m = route(NLM_F.ACK | NLM_F.CREATE, 1);
    user.call('write', nl, m, m.length);
    expect(answer(user.call, nl)[1]).toBe(-ERRNO.EPERM);
    const getlink = nlmsg(18, NLM_F.REQUEST | 0x300, 1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(user.task.syscall(NR.write, [nl, 0, 16]).ret).toBe(-ERRNO.EFAULT);
    expect(() => user.call('write', nl, getlink, getlink.length)).toThrow(/not emulated/);
  });

  describe.skipIf(why !== undefined)(`vs the real kernel${why ? ` (skipped: ${why})` : ''}`, () => {
    it('requests that change nothing: ENODEV for a missing ifindex, EINVAL for a short body', async () => {
      const host = await hostCaller();
      const sim = simTask();
      const script = (call: typeof host): string[] => {
        const nl = call('socket', 16, 3 | 0o2000000, 0);
        const out: string[] = [];
        for (const m of [
          addr(NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, 0x7ffffff0),
          route(NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, 0x7ffffff0),
          nlmsg(RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK, 9, [2, 16]),
          nlmsg(RTM.NEWADDR, NLM_F.REQUEST | NLM_F.ACK, 9, [2]),
        ]) {
          out.push(String(call('write', nl, m, m.length)));
          const [type, err, flags, seq] = answer(call, nl);
          out.push(`${type} ${errnoName(-err) ?? err} ${flags} ${seq}`);
        }
        call('close', nl);
        return out;
      };
      expect(script(sim.call)).toEqual(script(host));
    });
  });
});
