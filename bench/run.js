// Runs every benchmark registered under `bpfsim bench` and prints one JSON line per benchmark.
// Usage: npm run bench [-- NAME...]   (builds first; each benchmark runs in its own process)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const { BENCHMARKS } = await import(join(root, 'dist', 'cli', 'bench', 'index.js'));
const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(BENCHMARKS);
let failed = 0;
for (const name of names) {
  const r = spawnSync(process.execPath, [cli, 'bench', name, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) {
    failed++;
    console.log(JSON.stringify({ bench: name, error: `exit status ${r.status}` }));
    continue;
  }
  for (const line of r.stdout.split('\n').filter(Boolean)) console.log(line);
}
process.exit(failed > 0 ? 1 : 0);
