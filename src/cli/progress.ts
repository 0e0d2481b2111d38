/**
 * @fileoverview A progress line on stderr for long work (corpora, replays, sweeps), drawn only when
 * stderr is a terminal, so that pipes, files and CI logs never see it.
 */
import type { CliIo } from './command.js';

/** A progress indicator: `tick()` per item, `done()` at the end (erases the line). */
export interface Progress {
  tick(label?: string): void;
  done(): void;
}

const NONE: Progress = { tick() {}, done() {} };

/** A progress bar of `total` items titled `title` on `io.err`, or nothing when stderr is not a TTY. */
export function progress(io: CliIo, title: string, total: number): Progress {
  if (!io.errIsTty || total < 2) return NONE;
  let n = 0;
  let last = 0;
  const width = 30;
  const draw = (label: string) => {
    const filled = Math.round((width * n) / total);
    const text = `${title} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${label}`.slice(
      0,
      100,
    );
    io.err(`\r${text}\x1b[K`);
  };
  return {
    tick(label = '') {
      n++;
      const now = Date.now();
      if (now - last >= 50 || n === total) {
        last = now;
        draw(label);
      }
    },
    done() {
      io.err('\r\x1b[K');
    },
  };
}
