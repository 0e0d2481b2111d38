/**
 * @fileoverview The demo's seccomp part: Docker's default profile compiled to classic BPF, single
 * decisions, then a real `strace -f` log of `sh -c 'ls /; cat /etc/hostname'` replayed under that
 * profile and under a tight one that kills `ls` at its first getdents64.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTrace } from '../../kernel/strace/check.js';
import { parseStrace } from '../../kernel/strace/parse.js';
import { formatRet } from '../../seccomp/actions.js';
import { runFilter } from '../../seccomp/cbpf/interp.js';
import { compileProfileText } from '../../seccomp/compile/compile.js';
import { renderFilter } from '../../seccomp/compile/output.js';
import { findArch } from '../../seccomp/syscalls/arches.js';
import { syscallNumber } from '../../seccomp/syscalls/resolve.js';
import type { CliIo } from '../command.js';
import { runCommand } from '../commands/run.js';
import { examplesDir, shownPath } from './ebpf.js';
import type { DemoOut } from './out.js';

/** Runs the seccomp part of the demo; returns false if something did not behave. */
export async function seccompDemo(out: DemoOut, io: CliIo): Promise<boolean> {
  const x86_64 = findArch('x86_64');
  if (x86_64 === undefined) return false;
  const root = join(examplesDir(), '..');
  const dockerPath = join(root, 'data', 'seccomp', 'moby-default.json');
  const tightPath = join(examplesDir(), 'no-listing-profile.json');
  const tracePath = join(examplesDir(), 'sh-ls-cat.strace');
  const docker = shownPath(dockerPath, io);
  const tight = shownPath(tightPath, io);
  const traceShown = shownPath(tracePath, io);

  out.step(
    "Compile Docker's default seccomp profile to classic BPF, as runc loads it (x86_64 + i386 + x32)",
    `bpfsim seccomp compile ${docker} --arch x86_64`,
  );
  const compiled = compileProfileText(readFileSync(dockerPath, 'utf8'), docker, { arch: x86_64 });
  const listing = String(renderFilter(compiled.filter, 'disasm')).trimEnd().split('\n');
  for (const l of listing.slice(0, 12)) out.text(l);
  out.text(
    `   ... ${compiled.filter.length} instructions in all (libseccomp builds 1,246 for the same profile)`,
  );

  out.step(
    'Decide single syscalls the way the kernel runs the filter',
    `bpfsim seccomp eval ${docker} --arch x86_64 --syscall reboot`,
  );
  for (const name of ['read', 'reboot', 'mount', 'personality']) {
    const nr = syscallNumber(x86_64, name) as number;
    const r = runFilter(compiled.filter, { nr, arch: x86_64.audit, instructionPointer: 0n, args: [] });
    out.text(`${name.padEnd(12)} ${formatRet(r.ret).padEnd(10)} (${r.executed} instructions executed)`);
  }

  const trace = parseStrace(readFileSync(tracePath, 'utf8'), { resolve: (n) => syscallNumber(x86_64, n) });
  const calls = trace.events.filter((e) => e.type === 'syscall').length;
  out.step(
    `Will \`sh -c 'ls /; cat /etc/hostname'\` run under it? Replay its strace log (${calls} syscalls)`,
    `bpfsim seccomp check ${docker} --trace ${traceShown}`,
  );
  const underDocker = checkTrace(trace.events, { arch: x86_64, filter: compiled });
  const counts = Object.entries(underDocker.summary.actions)
    .map(([a, n]) => `${a} ${n}`)
    .join(', ');
  out.text(`summary: ${underDocker.summary.calls} calls: ${counts}`);
  out.text(
    underDocker.summary.wouldFail ? 'verdict: the program would FAIL' : 'verdict: the program would run',
  );

  // The Nebula-like VPN daemon, run by bpfsim's syscall engine under the same profile, then under
  // a profile written for it that forgets rtnetlink.
  const nebulaTight = shownPath(join(examplesDir(), 'nebula-tight.json'), io);
  const runWorkload = async (argv: string[]): Promise<{ status: number; lines: string[] }> => {
    let text = '';
    const sub: CliIo = {
      out: (t) => {
        text += t;
      },
      err: () => {},
      errIsTty: false,
      cwd: io.cwd,
      env: io.env,
    };
    const status = await runCommand.run(argv, sub, { json: false, pretty: false });
    return { status, lines: text.trimEnd().split('\n') };
  };
  out.step(
    "Run a Nebula-like VPN daemon (tun device, MTU, rtnetlink routes, UDP) under Docker's profile: every syscall goes through the filter, then bpfsim's syscall engine",
    `bpfsim run nebula --profile ${docker}`,
  );
  const nebula = await runWorkload(['nebula', '--profile', dockerPath]);
  for (const l of nebula.lines.filter((x) => /TUNSETIFF|SIOCSIFMTU|RTM_NEWROUTE|bind\(5/.test(x)))
    out.text(l);
  for (const l of nebula.lines.filter((x) => /^(summary|verdict): /.test(x))) out.text(l);
  out.step(
    'The same daemon under a profile that forgets rtnetlink: the kernel kills it at socket(AF_NETLINK, ...)',
    `bpfsim run nebula --profile ${nebulaTight}`,
  );
  const killed = await runWorkload(['nebula', '--profile', join(examplesDir(), 'nebula-tight.json')]);
  for (const l of killed.lines.filter((x) => /^(summary|killed|verdict): /.test(x) || /KILL/.test(x)))
    out.text(l);

  out.step(
    'The strace run under a tight profile that kills whoever lists a directory',
    `bpfsim seccomp check ${tight} --trace ${traceShown} --audit`,
  );
  const tightFilter = compileProfileText(readFileSync(tightPath, 'utf8'), tight, { arch: x86_64 });
  const underTight = checkTrace(trace.events, { arch: x86_64, filter: tightFilter, audit: {} });
  const kill = underTight.summary.firstKill;
  for (const c of underTight.calls.filter((x) => x.action !== 'ALLOW' || x.afterKill).slice(0, 4))
    out.text(
      `line ${String(c.line).padEnd(4)} pid ${c.pid} ${c.syscall.padEnd(11)} ${c.action.padEnd(13)}${c.afterKill ? ' (never reached: killed before)' : c.decidedBy?.kind === 'rule' ? ` syscalls[${c.decidedBy.origin}]` : ''}`,
    );
  if (kill !== undefined)
    out.text(`first kill: line ${kill.line}, pid ${kill.pid}, ${kill.syscall}: ${kill.action}`);
  out.text(
    underTight.summary.wouldFail ? 'verdict: the program would FAIL' : 'verdict: the program would run',
  );
  out.note(
    '(the kernel agrees: test/cli/seccomp-check.test.ts runs such a check against real seccomp filters)',
  );
  out.step('The audit record the kernel writes for that kill (--audit stored it)', 'bpfsim audit');
  for (const r of underTight.audit ?? []) out.text(r.text);
  return (
    !underDocker.summary.wouldFail &&
    underTight.summary.wouldFail &&
    kill?.syscall === 'getdents64' &&
    nebula.status === 0 &&
    killed.status === 1
  );
}
