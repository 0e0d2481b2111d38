/**
 * @fileoverview `bpfsim audit`: the SECCOMP audit records of the state directory's store, filtered,
 * as auditd writes them (or JSON), with damaged tails reported on stderr.
 */
import { type AuditFilter, matchRecord, recordAction } from '../../kernel/audit/store.js';
import { findArch } from '../../seccomp/syscalls/arches.js';
import { syscallName, syscallNumber } from '../../seccomp/syscalls/resolve.js';
import { parseArgs } from '../args.js';
import { CliError, type Command } from '../command.js';
import { auditStoreOf } from '../state/audit-files.js';
import { stateDir } from '../state/store.js';

const HELP = `Usage: bpfsim audit [--since NS] [--pid P] [--syscall NAME|NR] [--action A] [--type T] [--json]
                    [--state DIR]
Prints the audit records kept in the state directory's audit store: SECCOMP records
(kernel/auditsc.c audit_seccomp, written by 'seccomp check --audit') and BPF records of program
loads and unloads (kernel/bpf/syscall.c bpf_audit_prog, written by 'prog load' and when a program
is freed), stored (<state>/audit: append-only frames with checksums, rotated past 1 MiB), oldest first,
as auditd writes them. A truncated or corrupt tail (a crash mid-write) is reported on stderr with
the file and offset; the records before it are all printed.

  --since NS     records at or after this virtual time (ns since boot)
  --pid P        records of process P
  --syscall S    records of syscall S (x86_64 name or number)
  --action A     KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE or LOG
  --type T       SECCOMP or BPF
  --json         one JSON object per record

Example:
  bpfsim audit --action KILL_PROCESS --json`;

/** `bpfsim audit`. */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'show the audit records (SECCOMP, BPF) of the persistent kernel',
  help: HELP,
  run(args, io, global) {
    const p = parseArgs(args, {
      since: 'string',
      pid: 'string',
      syscall: 'string',
      action: 'string',
      type: 'string',
      json: true,
      state: 'string',
    });
    if (p.positional.length > 0) throw new CliError(`audit: unexpected argument '${p.positional[0]}'`, 2);
    const num = (name: string): number | undefined => {
      const v = p.values.get(name);
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new CliError(`audit: option '--${name}': not a number: '${v}'`, 2);
      return Number(v);
    };
    const x86_64 = findArch('x86_64');
    let syscall: number | undefined;
    const s = p.values.get('syscall');
    if (s !== undefined) {
      syscall = /^\d+$/.test(s) ? Number(s) : x86_64 === undefined ? undefined : syscallNumber(x86_64, s);
      if (syscall === undefined) throw new CliError(`audit: option '--syscall': unknown syscall '${s}'`, 2);
    }
    const action = p.values.get('action');
    if (action !== undefined && !/^(KILL_PROCESS|KILL_THREAD|TRAP|ERRNO|USER_NOTIF|TRACE|LOG)$/i.test(action))
      throw new CliError(`audit: option '--action': unknown action '${action}'`, 2);
    const type = p.values.get('type');
    if (type !== undefined && !/^(SECCOMP|BPF)$/i.test(type))
      throw new CliError(`audit: option '--type': unknown record type '${type}' (SECCOMP or BPF)`, 2);
    const since = p.values.get('since');
    if (since !== undefined && !/^\d+$/.test(since))
      throw new CliError(`audit: option '--since': not a number: '${since}'`, 2);
    const filter: AuditFilter = {
      ...(since !== undefined ? { sinceNs: BigInt(since) } : {}),
      ...(num('pid') !== undefined ? { pid: num('pid') } : {}),
      ...(syscall !== undefined ? { syscall } : {}),
      ...(action !== undefined ? { action } : {}),
      ...(type !== undefined ? { type } : {}),
    };
    const dir = stateDir(io, {
      ...(p.values.get('state') !== undefined ? { state: p.values.get('state') } : {}),
    });
    if (dir === undefined) return 0;
    const { records, problems } = auditStoreOf(dir).readAll();
    for (const r of records.filter((x) => matchRecord(x, filter))) {
      if (global.json || p.flags.has('json'))
        io.out(
          `${JSON.stringify({
            type: r.type ?? 'SECCOMP',
            time_ns: r.timeNs.toString(),
            serial: r.serial,
            pid: r.pid,
            syscall: (x86_64 && syscallName(x86_64, r.syscall)) ?? r.syscall,
            nr: r.syscall,
            ...(r.type === 'BPF'
              ? {}
              : { action: recordAction(r.code), code: `0x${(r.code >>> 0).toString(16)}` }),
            text: r.text,
          })}\n`,
        );
      else io.out(`${r.text}\n`);
    }
    for (const pr of problems)
      io.err(
        `warning: ${dir}/audit/${pr.file}: ${pr.reason} record at byte ${pr.offset} (${pr.bytes} bytes not read)\n`,
      );
    return 0;
  },
};
