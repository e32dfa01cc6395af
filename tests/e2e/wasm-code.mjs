// Prints the x64 code V8's optimising tier made for the benchmark's functions in Chromium.
//
//   node tests/e2e/wasm-code.mjs DIR REGEX
//
// DIR is the benchmark page scripts/bench.sh builds. The page runs to `BENCH DONE` with
// `--perf-prof`, which makes V8 write every compiled function's machine code to a jitdump
// file (Debian's Chromium has no disassembler of its own, so `--print-wasm-code` prints
// nothing). Each function whose name matches REGEX is disassembled with objdump into
// target/wasm-code/NAME.txt, and its path printed. Liftoff, the baseline tier, is off, so
// that every function is the optimised code the timings measure.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, runBenchPage } from './harness.mjs';

const [dirArg, pattern] = process.argv.slice(2);
if (!dirArg || !pattern) {
  console.error('usage: node tests/e2e/wasm-code.mjs DIR REGEX');
  process.exit(2);
}
const out = join(ROOT, 'target', 'wasm-code');
mkdirSync(out, { recursive: true });

// V8 writes jit-PID.dump into the renderer's working directory, which it inherits from here.
const scratch = mkdtempSync(join(tmpdir(), 'wasm-code-'));
process.chdir(scratch);
await runBenchPage(resolve(ROOT, dirArg), { extraArgs: ['--js-flags=--perf-prof --no-liftoff'] });

function disassemble(args) {
  try {
    return execFileSync('objdump', args, { maxBuffer: 1 << 28 }).toString();
  } catch (error) {
    if (error.code === 'ENOENT') {
      console.error('wasm-code: objdump is missing; apt-get install -y binutils');
      process.exit(1);
    }
    throw error;
  }
}

// jitdump: a header whose third u32 is its size, then records of [id u32, size u32,
// timestamp u64, ...]; id 0 (code load) continues with pid, tid u32, vma, address, size and
// index u64, a NUL-terminated name, and the code bytes.
const regex = new RegExp(pattern);
let found = 0;
for (const file of readdirSync(scratch).filter((f) => /^jit-\d+\.dump$/.test(f))) {
  const bytes = readFileSync(join(scratch, file));
  for (let at = bytes.readUInt32LE(8); at + 16 <= bytes.length; ) {
    const [id, size] = [bytes.readUInt32LE(at), bytes.readUInt32LE(at + 4)];
    if (size === 0) break;
    if (id === 0) {
      const address = bytes.readBigUInt64LE(at + 32);
      const length = Number(bytes.readBigUInt64LE(at + 40));
      const nameEnd = bytes.indexOf(0, at + 56);
      const name = bytes.toString('utf8', at + 56, nameEnd);
      if (regex.test(name)) {
        const stem = name.replace(/^JS:/, '').replace(/[^A-Za-z0-9_]+/g, '_').slice(0, 100);
        const raw = join(scratch, `${stem}.bin`);
        writeFileSync(raw, bytes.subarray(nameEnd + 1, nameEnd + 1 + length));
        const text = disassemble([
          '-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel',
          `--adjust-vma=0x${address.toString(16)}`, raw,
        ]);
        const path = join(out, `${stem}.txt`);
        writeFileSync(path, `${name}\n${text}`);
        console.log(`${path} (${length} bytes of code)`);
        found++;
      }
    }
    at += size;
  }
}
rmSync(scratch, { recursive: true, force: true });
if (found === 0) {
  console.error(`no compiled function matches /${pattern}/`);
  process.exit(1);
}
