// Prints the JavaScript stack of a running Node process through its inspector, for the test
// watchdog (test-watchdog.mjs): where a process that no timer can interrupt stands.
//   node --experimental-websocket scripts/js-stack.mjs <pid> [timeout ms]
// SIGUSR1 opens the process's inspector (on the port its --inspect-port gave, 0 = any free one),
// even while its main thread spins in a loop; Debugger.pause then stops it at the next statement.
// A process idle in its event loop, or blocked in a system call, runs no statement: that is said
// instead, after the timeout.
import { listeningPorts } from './listening-ports.mjs';

const pid = Number(process.argv[2]);
const timeoutMs = Number(process.argv[3] ?? 3_000);
if (!Number.isInteger(pid) || pid <= 0) {
  console.error('usage: node --experimental-websocket scripts/js-stack.mjs <pid> [timeout ms]');
  process.exit(2);
}

const deadline = Date.now() + timeoutMs;
process.kill(pid, 'SIGUSR1');
const url = await debuggerUrl();
if (!url) {
  console.log('(no inspector answered: blocked in a system call, or not a Node process)');
  process.exit(0);
}
console.log(await pausedStack(url));
process.exit(0);

/** The WebSocket address of the process's inspector, once it listens. */
async function debuggerUrl() {
  while (Date.now() < deadline) {
    for (const port of listeningPorts(pid)) {
      try {
        const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(500) })).json();
        if (targets[0]?.webSocketDebuggerUrl) return targets[0].webSocketDebuggerUrl;
      } catch {
        // another of its servers, or the inspector not ready yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

function pausedStack(url) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const finish = (text) => {
      clearTimeout(timer);
      socket.close();
      resolve(text);
    };
    const timer = setTimeout(() => finish('(no JavaScript ran: idle in its event loop, or blocked in a system call)'), Math.max(deadline - Date.now(), 500));
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ id: 1, method: 'Debugger.enable' }));
      socket.send(JSON.stringify({ id: 2, method: 'Debugger.pause' }));
    });
    // Debugger.enable announces every script loaded so far: their addresses, for the frames.
    const scripts = new Map();
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data));
      if (message.method === 'Debugger.scriptParsed') scripts.set(message.params.scriptId, message.params.url);
      if (message.method !== 'Debugger.paused') return;
      const frames = message.params.callFrames.slice(0, 15).map((frame) => {
        const url = frame.url || scripts.get(frame.location.scriptId) || '<anonymous>';
        const where = `${url}:${frame.location.lineNumber + 1}:${frame.location.columnNumber + 1}`;
        return `at ${frame.functionName || '<anonymous>'} (${where})`;
      });
      finish(frames.join('\n'));
    });
    socket.addEventListener('error', () => finish('(the inspector refused the connection)'));
  });
}
