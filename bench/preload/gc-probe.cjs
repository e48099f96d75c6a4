// Preloaded by the tunnel bench only (`node --expose-gc --require bench/preload/gc-probe.cjs`):
// on SIGUSR2 the process collects garbage (twice, so that weak and finalised objects go too)
// and writes its memory figures to <tmpdir>/jitgate-bench-gc-<pid>.json, which the bench reads.
// Nothing in apps/*/src knows about it: the measured code is the code that ships.
'use strict';
const { writeFileSync, renameSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');

let sequence = 0;
process.on('SIGUSR2', () => {
  if (typeof global.gc !== 'function') return;
  global.gc();
  global.gc();
  sequence += 1;
  const usage = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  const file = path.join(os.tmpdir(), `jitgate-bench-gc-${process.pid}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify({ sequence, ...usage, usedHeapSize: heap.used_heap_size }));
  renameSync(`${file}.tmp`, file);
});
