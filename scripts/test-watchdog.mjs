// Runs a command with a silence watchdog: when the command has printed nothing for `silenceMs`,
// it prints what every process under it is doing (state, kernel wait channel, CPU time, and for
// Node processes the JavaScript stack, through js-stack.mjs), then kills them all.
//
// Why: a test that hangs where no vitest timeout can reach it (a blocked event loop, a full pipe)
// otherwise burns CI's whole 90 minutes and leaves nothing to go on. A hang now fails within
// minutes, with evidence of where it stood.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const JS_STACK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'js-stack.mjs');
/** Every Node process started under the watchdog opens its inspector on a free port, if asked. */
const INSPECT_ANY_PORT = '--inspect-port=0';
const CHECK_EVERY_MS = 1_000;
const JS_STACK_TIMEOUT_MS = 3_000;
/** How long killed processes may take to be gone (a loaded machine takes a while). */
const KILL_WAIT_MS = 10_000;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * Resolves with the command's exit status, or 124 (as timeout(1) does) when the watchdog stopped
 * it. `write` receives the command's output and the watchdog's own lines.
 */
export function runWatched(command, args, { silenceMs, env = process.env, cwd, write = (text) => process.stdout.write(text) }) {
  // Its own process group, so that everything it starts can be found and stopped together.
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, NODE_OPTIONS: [env.NODE_OPTIONS, INSPECT_ANY_PORT].filter(Boolean).join(' ') },
  });
  let lastOutput = Date.now();
  const forward = (chunk) => {
    lastOutput = Date.now();
    write(chunk.toString());
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  // Its own group does not get the terminal's Ctrl-C: pass on what this process gets.
  const passOn = (name) => signal(-child.pid, name);
  const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of stopSignals) process.on(name, passOn);

  return new Promise((resolve, reject) => {
    /** Set when the watchdog fires; settles once it has stopped everything. */
    let stopped;
    const timer = setInterval(() => {
      if (stopped || Date.now() - lastOutput < silenceMs) return;
      clearInterval(timer);
      stopped = stopEverything();
    }, CHECK_EVERY_MS);
    async function stopEverything() {
      write(`\nwatchdog: nothing printed for ${Math.round(silenceMs / 1000)} s; what each process was doing:\n`);
      const tree = processTree(child.pid);
      for (const proc of tree) write(`${describeProcess(proc)}\n`);
      const stacks = await Promise.all(tree.filter((proc) => proc.comm === 'node').map(async (proc) => `  node pid ${proc.pid}:\n${indent(await jsStack(proc.pid))}`));
      for (const stack of stacks) write(stack);
      signal(-child.pid, 'SIGKILL');
      for (const proc of tree) signal(proc.pid, 'SIGKILL');
      await gone(tree.map((proc) => proc.pid));
      write('watchdog: stopped the run\n');
    }
    child.once('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.once('close', (code, killedBy) => {
      clearInterval(timer);
      for (const name of stopSignals) process.off(name, passOn);
      if (stopped) void stopped.then(() => resolve(124));
      else resolve(code ?? (killedBy ? 128 + (os.constants.signals[killedBy] ?? 0) : 1));
    });
  });
}

/** Waits until none of `pids` runs (a zombie no longer does), or KILL_WAIT_MS has passed. */
async function gone(pids) {
  const deadline = Date.now() + KILL_WAIT_MS;
  while (pids.some(isRunning) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Running: it exists and is not a zombie waiting for its parent to reap it. */
export function isRunning(pid) {
  const proc = readProcess(pid);
  return proc !== undefined && proc.state !== 'Z';
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * The processes under `rootPid` (by parent) and in its process group (those whose parent went
 * away), from /proc: Linux only, like CI.
 */
export function processTree(rootPid) {
  const all = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const proc = readProcess(Number(entry));
    if (proc) all.push(proc);
  }
  const inTree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const proc of all) {
      if (!inTree.has(proc.pid) && (inTree.has(proc.ppid) || proc.pgid === rootPid)) {
        inTree.add(proc.pid);
        grew = true;
      }
    }
  }
  return all.filter((proc) => inTree.has(proc.pid));
}

function readProcess(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces and parentheses.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    let wchan = '';
    try {
      wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    } catch {
      // not readable on every kernel
    }
    return {
      pid,
      comm,
      state: fields[0],
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      wchan: wchan === '0' ? '' : wchan,
      cmdline,
    };
  } catch {
    return undefined; // gone while we looked
  }
}

/** One line: R is running (a busy loop if it stays so); S with a wait channel says on what. */
export function describeProcess(proc) {
  const command = proc.cmdline.length > 160 ? `${proc.cmdline.slice(0, 157)}...` : proc.cmdline || proc.comm;
  return `  pid ${proc.pid} (parent ${proc.ppid}) state ${proc.state}${proc.wchan ? ` in ${proc.wchan}` : ''}, ${proc.cpuSeconds.toFixed(1)} s CPU: ${command}`;
}

/** The JavaScript stack of a Node process, from js-stack.mjs (in a process of its own). */
function jsStack(pid) {
  return new Promise((resolve) => {
    const helper = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', JS_STACK, String(pid), String(JS_STACK_TIMEOUT_MS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let text = '';
    helper.stdout.on('data', (chunk) => (text += chunk));
    helper.stderr.on('data', (chunk) => (text += chunk));
    helper.once('error', (error) => resolve(`(js-stack.mjs did not start: ${error.message})`));
    helper.once('close', () => resolve(text.trim()));
  });
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `      ${line}\n`)
    .join('');
}
