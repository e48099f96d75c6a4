// A small Dockerfile reader for the specs (hadolint is not packaged for Debian): instructions
// with line continuations joined and comments dropped, grouped by stage.
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

export function readDockerfile(file: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const text = raw.trim();
      if (!pending && (text === '' || text.startsWith('#'))) return;
      if (pending && text.startsWith('#')) return;
      const continued = text.endsWith('\\');
      const body = continued ? text.slice(0, -1) : text;
      pending = pending ? { text: `${pending.text} ${body}`, line: pending.line } : { text: body, line: index + 1 };
      if (continued) return;
      const [, keyword = '', args = ''] = /^(\S+)\s*([\s\S]*)$/.exec(pending.text) ?? [];
      instructions.push({ keyword: keyword.toUpperCase(), args: args.trim(), line: pending.line });
      pending = undefined;
    });

  const result: Dockerfile = { globalArgs: {}, stages: [] };
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      result.stages.push({ from: image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (result.stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [key = '', value] = instruction.args.split('=', 2);
        result.globalArgs[key] = value;
      }
    } else {
      result.stages.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

/** The image a FROM names, with `${ARG}` replaced by the ARG's default. */
export function resolveImage(dockerfile: Dockerfile, from: string): string {
  return from.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => dockerfile.globalArgs[(a ?? b) as string] ?? '');
}
