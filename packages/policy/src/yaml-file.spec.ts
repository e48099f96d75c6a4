import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyIssue } from './errors.js';
import { parsePolicyFile } from './yaml-file.js';

function issuesOf(yamlText: string): PolicyIssue[] {
  try {
    parsePolicyFile(yamlText);
  } catch (e: unknown) {
    if (e instanceof PolicyError && e.code === 'invalid_policy') return [...e.issues];
    throw e;
  }
  throw new Error('expected the file to be rejected');
}

const VALID = `# jitgate policies
policies:
  - name: baseline
    description: Everyone else is denied
    rules:
      - name: no-service-accounts-on-prod
        effect: deny
        match:
          identity: { kinds: [service] }
          connection: { labels: { env: prod } }
  - name: dba
    rules:
      - name: dba-short
        effect: auto-approve
        match:
          identity: { groups: [dba] }
          connection: { types: [postgres] }
        maxDuration: 1h
        rateLimit: { max: 3, window: 1d }
      - name: dba-long
        effect: require-approval
        condition: "request.reason.matches('^INC-')"
        approvals: { count: 1, groups: [db-leads] }
`;

describe('parsePolicyFile', () => {
  it('parses every policy with its description and rules', () => {
    const policies = parsePolicyFile(VALID);
    expect(policies.map((p) => [p.name, p.description, p.document.rules.map((r) => r.name)])).toEqual([
      ['baseline', 'Everyone else is denied', ['no-service-accounts-on-prod']],
      ['dba', '', ['dba-short', 'dba-long']],
    ]);
    expect(policies[1]?.document.rules[0]).toEqual({
      name: 'dba-short',
      effect: 'auto-approve',
      match: { identity: { groups: ['dba'] }, connection: { types: ['postgres'] } },
      maxDuration: '1h',
      rateLimit: { max: 3, window: '1d' },
    });
  });

  it('accepts an empty policy list', () => {
    expect(parsePolicyFile('policies: []\n')).toEqual([]);
  });

  it('keeps YAML 1.1 booleans such as "no" as strings (YAML 1.2 core schema)', () => {
    const text = 'policies:\n  - name: p\n    rules:\n      - name: r\n        effect: auto-approve\n        match: { connection: { labels: { public: no } } }\n';
    expect(parsePolicyFile(text)[0]?.document.rules[0]?.match?.connection?.labels).toEqual({ public: 'no' });
  });

  it.each<[string, string, string, RegExp, number | undefined]>([
    ['a YAML syntax error', 'policies:\n  - name: [unclosed\n', '', /^invalid YAML: /, undefined],
    ['a duplicate YAML key', 'policies: []\npolicies: []\n', '', /invalid YAML: .*unique/i, 2],
    ['several YAML documents', 'policies: []\n---\npolicies: []\n', '', /invalid YAML: .*multiple documents/i, undefined],
    ['a scalar document', 'hello\n', '', /expected object/, 1],
    ['an empty file', '', '', /expected object/, undefined],
    ['a missing policies key', 'rules: []\n', 'policies', /expected array/, 1],
    ['an unknown top-level key', 'policies: []\nversion: 2\n', 'version', /unknown key/, 2],
    ['an invalid policy name', 'policies:\n  - name: Base\n    rules: []\n', 'policies[0].name', /must be 1-63 characters/, 2],
    ['a missing policy name', 'policies:\n  - rules: []\n', 'policies[0].name', /expected string/, 2],
    ['an unknown policy key', 'policies:\n  - name: a\n    rule: []\n', 'policies[0].rule', /unknown key/, 3],
    ['missing rules', 'policies:\n  - name: a\n', 'policies[0].rules', /expected array/, 2],
    ['a duplicate policy name', 'policies:\n  - name: a\n    rules: []\n  - name: a\n    rules: []\n', 'policies[1].name', /duplicate policy name "a" \(also policies\[0\]\)/, 4],
    [
      'a bad rule deep in the file',
      'policies:\n  - name: a\n    rules:\n      - name: ok\n        effect: deny\n      - name: bad\n        effect: deny\n        approvals: { count: 1, groups: [x] }\n',
      'policies[0].rules[1].approvals',
      /not allowed when effect is deny/,
      8,
    ],
    ['a bad CEL condition', 'policies:\n  - name: a\n    rules:\n      - name: c\n        effect: auto-approve\n        condition: "now >"\n', 'policies[0].rules[0].condition', /^invalid CEL: /, 6],
    [
      'a duplicate rule name',
      'policies:\n  - name: a\n    rules:\n      - name: x\n        effect: deny\n      - name: x\n        effect: deny\n',
      'policies[0].rules[1].name',
      /duplicate rule name "x" \(also policies\[0\]\.rules\[0\]\)/,
      6,
    ],
  ])('rejects %s', (_label, text, path, message, line) => {
    const issues = issuesOf(text);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
    if (line !== undefined) expect(issue?.line).toBe(line);
  });

  it('reports the line of a YAML syntax error', () => {
    const issues = issuesOf('policies:\n  - name: a\n    rules: [\n');
    expect(issues[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('reports problems from every policy at once, by line', () => {
    const text = 'policies:\n  - name: a\n    rules:\n      - name: x\n        effect: allow\n  - name: B\n    rules: []\n';
    expect(issuesOf(text).map((i) => [i.path, i.line])).toEqual([
      ['policies[0].rules[0].effect', 5],
      ['policies[1].name', 6],
    ]);
  });

  it('refuses alias bombs', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    lines.push('policies: []');
    expect(issuesOf(lines.join('\n'))[0]?.message).toMatch(/invalid YAML: .*alias/i);
  });

  it('refuses files over 1 Mi characters', () => {
    expect(issuesOf(`policies: []\n#${'x'.repeat(1024 * 1024)}`)[0]?.message).toMatch(/longer than 1048576 characters/);
  });
});
