// Preloaded into `next start` by scripts/test-faults.sh, and into the load suite's worker, when
// FAULTS_APP_MEMORY=1 (NODE_OPTIONS=--require …): every 10 s one line `[memory] {json}` on stderr
// (or appended to MEMORY_SAMPLER_FILE) with
// process.memoryUsage() in MiB, so the load run can tell V8's heap settling (heapUsed flat,
// RSS moving) from a leak (heapUsed rising with RSS). Node refuses --trace-gc in NODE_OPTIONS.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */
const MiB = 1024 * 1024;
const started = Date.now();
const sample = () => {
  const m = process.memoryUsage();
  const r = (n) => Math.round((n / MiB) * 10) / 10;
  const line = `[memory] ${JSON.stringify({ pid: process.pid, t: Math.round((Date.now() - started) / 1000), rss: r(m.rss), heapTotal: r(m.heapTotal), heapUsed: r(m.heapUsed), external: r(m.external), arrayBuffers: r(m.arrayBuffers) })}\n`;
  if (process.env.MEMORY_SAMPLER_FILE) require("node:fs").appendFileSync(process.env.MEMORY_SAMPLER_FILE, line);
  else process.stderr.write(line);
};
setInterval(sample, 10_000).unref();
