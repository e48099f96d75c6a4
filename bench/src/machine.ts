// The machine a report was measured on: figures mean little without it.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { table } from './stats.js';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  redis: string;
  loadAverage: number[];
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export async function machineFacts(postgresUrl: string, redisUrl: string): Promise<MachineFacts> {
  const adminUrl = new URL(postgresUrl);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  const postgres = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
  await client.end();
  const redisClient = new Redis(redisUrl);
  const info = await redisClient.info('server');
  redisClient.disconnect();
  return {
    cores: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    postgres,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    loadAverage: os.loadavg(),
  };
}

export function renderMachine(facts: MachineFacts, loadAfter: number[]): string {
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  return table(
    ['machine', ''],
    [
      ['CPU', `${facts.cpuModel}, ${facts.cores} cores (nproc)`],
      ['memory', `${facts.memoryGiB} GiB`],
      ['kernel / Node', `${facts.kernel} / ${facts.node}`],
      ['PostgreSQL / Redis', `${facts.postgres} / ${facts.redis} (loopback)`],
      ['load average (1/5/15 min) before → after', `${load(facts.loadAverage)} → ${load(loadAfter)}`],
    ],
  );
}
