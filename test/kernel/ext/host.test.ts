import { describe, expect, it } from 'vitest';
import { ExtensionHost } from '../../../src/kernel/ext/host.js';

describe('ExtensionHost', () => {
  it('inits in registration order and shuts down in reverse, cleanups before shutdown()', () => {
    const log: string[] = [];
    const host = new ExtensionHost();
    for (const n of ['a', 'b']) {
      host.register(n, (h) => {
        log.push(`init ${n}`);
        h.onShutdown(() => log.push(`cleanup1 ${n}`));
        h.onShutdown(() => log.push(`cleanup2 ${n}`));
        return { name: n, shutdown: () => log.push(`shutdown ${n}`) };
      });
    }
    expect(host.start()).toEqual(['a', 'b']);
    expect(host.shutdown()).toEqual([]);
    expect(log).toEqual([
      'init a',
      'init b',
      'shutdown b',
      'cleanup2 b',
      'cleanup1 b',
      'shutdown a',
      'cleanup2 a',
      'cleanup1 a',
    ]);
  });

  it('skips a failing init, undoes its cleanups, reports it, and keeps the others', () => {
    const log: string[] = [];
    const host = new ExtensionHost();
    host.register('bad', (h) => {
      h.onShutdown(() => log.push('undo bad'));
      throw new Error('boom');
    });
    host.register('good', () => ({ name: 'good' }));
    expect(host.start()).toEqual(['good']);
    expect(log).toEqual(['undo bad']);
    expect(host.errors).toEqual([{ extension: 'bad', phase: 'init', message: 'boom' }]);
  });

  it('runs every cleanup even when one throws, and rejects duplicates', () => {
    const host = new ExtensionHost();
    const ran: string[] = [];
    host.register('x', (h) => {
      h.onShutdown(() => ran.push('x'));
      h.onShutdown(() => {
        throw new Error('fail');
      });
      return { name: 'x' };
    });
    expect(() => host.register('x', () => ({ name: 'x' }))).toThrow(/duplicate/);
    host.start();
    expect(host.shutdown()).toEqual([{ extension: 'x', phase: 'shutdown', message: 'fail' }]);
    expect(ran).toEqual(['x']);
  });

  it('fans audit records out to sinks and flushes them on shutdown', () => {
    const host = new ExtensionHost();
    const got: string[] = [];
    let flushed = 0;
    host.register('logger', (h) => {
      h.registerAuditSink({ write: (r) => got.push(r.text), flush: () => flushed++ });
      return { name: 'logger' };
    });
    host.start();
    host.emit({
      timeNs: 0n,
      serial: 1,
      pid: 1,
      syscall: 0,
      code: 0,
      text: 'type=BPF msg=audit(0.000:1): prog-id=1 op=LOAD',
    });
    host.shutdown();
    host.shutdown();
    expect(got).toEqual(['type=BPF msg=audit(0.000:1): prog-id=1 op=LOAD']);
    expect(flushed).toBe(1);
  });
});
