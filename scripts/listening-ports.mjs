// Which TCP ports a process listens on, from /proc (Linux): its socket inodes matched against
// the kernel's TCP tables. Plain JavaScript so that the test watchdog (js-stack.mjs) can use it
// without a build; the benches use it too (bench/src/child-processes.ts).
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The TCP ports `pid` listens on, from its socket inodes and /proc/net/tcp{,6}. */
export function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // closed while we looked
    }
  }
  const ports = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is field 1 ("0100007F:1F90"), st field 3 (0A = LISTEN), inode field 9.
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) ports.push(Number.parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
}
