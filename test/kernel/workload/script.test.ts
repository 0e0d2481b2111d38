import { describe, expect, it } from 'vitest';
import { evalExpr } from '../../../src/kernel/workload/args.js';
import { parseWorkload, ScriptError } from '../../../src/kernel/workload/script.js';

describe('task scripts', () => {
  it('reads a workload object and JSON lines of steps', () => {
    const w = parseWorkload('{"name": "w", "tasks": [{"name": "a", "steps": [{"call": "getpid"}]}]}');
    expect(w).toEqual({ name: 'w', tasks: [{ name: 'a', steps: [{ call: 'getpid' }] }] });
    const l = parseWorkload(
      '# comment\n{"call": "getpid", "as": "p"}\n\n{"loop": 2, "body": [{"call": 39}]}\n',
      'x',
    );
    expect(l.tasks[0]?.steps).toEqual([
      { call: 'getpid', as: 'p' },
      { loop: 2, body: [{ call: 39 }] },
    ]);
  });

  it.each([
    ['{"tasks": []}', /no tasks/],
    ['{"tasks": [{"name": "a"}]}', /"steps" is required/],
    ['{"call": "x", "as": "1bad"}', /"as" is a variable name/],
    ['{"loop": -1, "body": []}', /"loop" is a count/],
    ['{"loop": 2}', /needs a "body"/],
    ['{"args": []}', /needs "call"/],
    ['{"call": "getpid"}\n{oops', /line 2/],
    ['', /no steps/],
  ])('rejects %s', (text, msg) => {
    expect(() => parseWorkload(text)).toThrow(ScriptError);
    expect(() => parseWorkload(text)).toThrow(msg);
  });

  it('evaluates flag expressions, numbers and variables', () => {
    const vars = new Map([['fd', 5n]]);
    expect(evalExpr('O_RDWR|O_CLOEXEC', vars)).toBe(0o2000002n);
    expect(evalExpr('IFF_TUN|IFF_NO_PI|IFF_MULTI_QUEUE', vars)).toBe(0x1101n);
    expect(evalExpr('AT_FDCWD', vars)).toBe(-100n);
    expect(evalExpr('$fd', vars)).toBe(5n);
    expect(evalExpr('0x10|1', vars)).toBe(17n);
    expect(evalExpr('TUNSETIFF', vars)).toBe(0x400454can);
    expect(evalExpr('CLONE_VM|CLONE_VFORK|SIGCHLD', vars)).toBe(0x4111n);
    expect(() => evalExpr('O_BOGUS', vars)).toThrow(/unknown name "O_BOGUS"/);
    expect(() => evalExpr('$nope', vars)).toThrow(ScriptError);
  });
});
