// Runs the CLI in this process with captured output, or as a real process (dist/main.js).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli.js';
import { systemClock, type OutputStream } from '../../src/context.js';

export const CLI_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

class Capture implements OutputStream {
  text = '';
  private waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  write(chunk: string): boolean {
    this.text += chunk;
    this.waiters = this.waiters.filter((w) => {
      const match = this.text.match(w.pattern);
      if (match) w.resolve(match);
      return !match;
    });
    return true;
  }
  waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const match = this.text.match(pattern);
    if (match) return Promise.resolve(match);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${this.text}`)), timeoutMs);
      this.waiters.push({
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
}

export interface InProcessRun {
  stdout: Capture;
  stderr: Capture;
  /** Ctrl-C. */
  interrupt(): void;
  exit: Promise<number>;
}

export function startCli(args: string[], env: Record<string, string | undefined>): InProcessRun {
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  const exit = runCli(args, { env, stdout, stderr, signal: controller.signal, clock: systemClock });
  return { stdout, stderr, interrupt: () => controller.abort(), exit };
}

export async function runCliOnce(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const code = await run.exit;
  return { code, stdout: run.stdout.text, stderr: run.stderr.text };
}

export interface ProcessRun {
  child: ChildProcess;
  stdout: Capture;
  stderr: Capture;
  exit: Promise<number | null>;
}

export function spawnCli(args: string[], env: Record<string, string | undefined>): ProcessRun {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = new Capture();
  const stderr = new Capture();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.write(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.write(chunk));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout, stderr, exit };
}
