import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTION_NAMES,
  actionFromRet,
  formatAction,
  formatRet,
  parseAction,
  retFromAction,
  scmpAction,
} from '../../src/seccomp/actions.js';

describe('seccomp actions', () => {
  it('decodes return values as include/uapi/linux/seccomp.h defines them', () => {
    expect(actionFromRet(0x7fff0000)).toEqual({ action: 'ALLOW', data: 0 });
    expect(actionFromRet(0x00050001)).toEqual({ action: 'ERRNO', data: 1 });
    expect(actionFromRet(0x00031234)).toEqual({ action: 'TRAP', data: 0x1234 });
    expect(actionFromRet(0x7ff0004d)).toEqual({ action: 'TRACE', data: 77 });
    expect(actionFromRet(0x7ffc0000)).toEqual({ action: 'LOG', data: 0 });
    expect(actionFromRet(0x7fc00000)).toEqual({ action: 'USER_NOTIF', data: 0 });
    expect(actionFromRet(0x00000000)).toEqual({ action: 'KILL_THREAD', data: 0 });
    expect(actionFromRet(0x80000000)).toEqual({ action: 'KILL_PROCESS', data: 0 });
  });

  it('caps ERRNO data at MAX_ERRNO 4095 (kernel-run: 0x0005ffff gives errno 4095)', () => {
    expect(actionFromRet(0x0005ffff)).toEqual({ action: 'ERRNO', data: 4095 });
    expect(actionFromRet(0x00050fff)).toEqual({ action: 'ERRNO', data: 4095 });
    expect(actionFromRet(0x00051000)).toEqual({ action: 'ERRNO', data: 4095 });
  });

  it('treats unknown actions as KILL_PROCESS (kernel-run: RET 0x00010000 -> SIGSYS)', () => {
    expect(actionFromRet(0x00010000).action).toBe('KILL_PROCESS');
    expect(actionFromRet(0x7ffe0000).action).toBe('KILL_PROCESS');
    expect(formatRet(0x00010000)).toBe('UNKNOWN(0x00010000)');
  });

  it('formats the way users read them', () => {
    expect(formatAction({ action: 'ERRNO', data: 1 })).toBe('ERRNO(1)');
    expect(formatAction({ action: 'TRAP', data: 0 })).toBe('TRAP(0)');
    expect(formatAction({ action: 'TRACE', data: 77 })).toBe('TRACE(77)');
    expect(formatAction({ action: 'KILL_PROCESS', data: 0 })).toBe('KILL_PROCESS');
    expect(formatRet(0x0005ffff)).toBe('ERRNO(65535)');
  });

  it('parses names, SCMP_ACT_* names, data and raw values', () => {
    expect(parseAction('ALLOW')).toEqual({ ok: true, action: { action: 'ALLOW', data: 0 } });
    expect(parseAction('errno(0x26)')).toEqual({ ok: true, action: { action: 'ERRNO', data: 38 } });
    expect(parseAction('KILL')).toEqual({ ok: true, action: { action: 'KILL_THREAD', data: 0 } });
    expect(parseAction('SCMP_ACT_NOTIFY')).toEqual({ ok: true, action: { action: 'USER_NOTIF', data: 0 } });
    expect(parseAction('SCMP_ACT_ERRNO(13)')).toEqual({ ok: true, action: { action: 'ERRNO', data: 13 } });
    expect(parseAction('0x7ffc0000')).toEqual({ ok: true, action: { action: 'LOG', data: 0 } });
    expect(parseAction('TRACE', 1)).toEqual({ ok: true, action: { action: 'TRACE', data: 1 } });
  });

  it('rejects bad input with a one-line reason', () => {
    for (const bad of [
      '',
      'ALOW',
      'ERRNO(-1)',
      'ERRNO(65536)',
      'ALLOW(1)',
      '0x00010000',
      'ERRNO(x)',
      '0x100000000',
    ]) {
      const r = parseAction(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).not.toMatch(/\n/);
    }
  });

  it('maps OCI actions like runc: ERRNO/TRACE default to EPERM, errnoRet & 0xffff', () => {
    expect(scmpAction('SCMP_ACT_ERRNO')).toEqual({ action: 'ERRNO', data: 1 });
    expect(scmpAction('SCMP_ACT_ERRNO', 70000)).toEqual({ action: 'ERRNO', data: 70000 & 0xffff });
    expect(scmpAction('SCMP_ACT_TRACE')).toEqual({ action: 'TRACE', data: 1 });
    expect(scmpAction('SCMP_ACT_ALLOW', 5)).toEqual({ action: 'ALLOW', data: 0 });
    expect(scmpAction('SCMP_ACT_KILL')).toEqual({ action: 'KILL_THREAD', data: 0 });
    expect(scmpAction('SCMP_ACT_BOGUS')).toBeUndefined();
  });

  it('format and parse round-trip, encode and decode round-trip', () => {
    const arb = fc.record({
      action: fc.constantFrom(...ACTION_NAMES),
      data: fc.integer({ min: 0, max: 4095 }),
    });
    fc.assert(
      fc.property(arb, (a) => {
        const norm = { action: a.action, data: ['ERRNO', 'TRAP', 'TRACE'].includes(a.action) ? a.data : 0 };
        expect(parseAction(formatAction(norm))).toEqual({ ok: true, action: norm });
        expect(actionFromRet(retFromAction(norm))).toEqual(norm);
      }),
    );
  });
});
