// deploy/docker/*.Dockerfile and .dockerignore: the rules hadolint would check that matter here
// (pinned base image, no ADD of URLs, not root, HEALTHCHECK, exec-form CMD), plus what ties the
// images to the repository and to the manifests: package names, entry points, ports, the user.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDockerfile, resolveImage, type Stage } from './dockerfile.js';
import { allContainers, workloads } from './k8s.js';
import { DEPLOY_DIR, OVERLAYS, REPO_ROOT, rendered } from './render.js';
import { agentHealthPort, gatewayListeners } from './source-facts.js';

interface ImageSpec {
  file: string;
  packageName: string;
  packageDir: string;
  /** The image name the manifests use (before kustomize's images: rewrite it). */
  image: string;
  command: string[];
  /** Every port the app listens on, from its config schema; each has an ENV with its default. */
  ports: () => Array<{ env: string; port: number }>;
  healthPort: () => number;
}

const IMAGES: ImageSpec[] = [
  {
    file: 'gateway.Dockerfile',
    packageName: '@jitgate/gateway',
    packageDir: 'apps/gateway',
    image: 'jitgate-gateway',
    command: ['node', 'apps/gateway/dist/main.js'],
    ports: () => gatewayListeners(),
    healthPort: () => gatewayListeners().find((l) => l.env === 'PORT')?.port ?? NaN,
  },
  {
    file: 'agent.Dockerfile',
    packageName: '@jitgate/agent',
    packageDir: 'apps/agent',
    image: 'jitgate-agent',
    command: ['node', 'apps/agent/dist/main.js'],
    ports: () => [{ env: 'JITGATE_AGENT_HEALTH_PORT', port: agentHealthPort() }],
    healthPort: () => agentHealthPort(),
  },
];

const rootPackage = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { packageManager: string };
const dockerignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

const all = (stage: Stage | undefined, keyword: string) => stage?.instructions.filter((i) => i.keyword === keyword) ?? [];

describe.each(IMAGES)('deploy/docker/$file', (spec) => {
  const dockerfile = readDockerfile(path.join(DEPLOY_DIR, 'docker', spec.file));
  const final = dockerfile.stages.at(-1);
  const build = dockerfile.stages[0];
  const text = readFileSync(path.join(DEPLOY_DIR, 'docker', spec.file), 'utf8');

  it('builds in stages from a pinned node:20 bookworm-slim image', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) {
      const image = resolveImage(dockerfile, stage.from);
      // A full version (or a digest): never `latest`, never a floating `20` or `20-slim`.
      expect(image).toMatch(/^node:20\.\d+\.\d+-bookworm-slim(@sha256:[a-f0-9]{64})?$/);
    }
    expect(
      all(final, 'COPY').every((c) => /--from=build\b/.test(c.args)),
      'the runtime copies only the build output',
    ).toBe(true);
  });

  it('uses the pnpm version of package.json, and pnpm deploy --prod of the app', () => {
    const pnpmVersion = rootPackage.packageManager.replace(/^pnpm@/, '');
    expect(all(build, 'ARG').map((a) => a.args)).toContain(`PNPM_VERSION=${pnpmVersion}`);
    expect(text).toMatch(new RegExp(`pnpm --filter ${spec.packageName} deploy --prod`));
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, spec.packageDir, 'package.json'), 'utf8')) as { name: string; main: string };
    expect(pkg.name).toBe(spec.packageName);
    expect(`${spec.packageDir}/${pkg.main.replace(/^\.\//, '')}`).toBe(spec.command[1]);
  });

  it('never ADDs (least of all URLs) and copies only what exists and .dockerignore lets through', () => {
    expect(dockerfile.stages.flatMap((s) => all(s, 'ADD'))).toEqual([]);
    for (const copy of all(build, 'COPY')) {
      const sources = copy.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1);
      for (const source of sources) {
        if (source === '.') continue;
        expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
        expect(dockerignore, source).not.toContain(source);
      }
    }
  });

  it('bakes in no secret', () => {
    for (const stage of dockerfile.stages) {
      for (const i of [...all(stage, 'ENV'), ...all(stage, 'ARG')]) {
        expect(i.args, `line ${i.line}`).not.toMatch(/(TOKEN|PASSWORD|SECRET|DATABASE_URL|REDIS_URL|PRIVATE|_KEY)\s*=/i);
      }
      expect(all(stage, 'COPY').some((c) => /\.env\b|\.pem\b|\.key\b/.test(c.args))).toBe(false);
    }
  });

  it('runs as a numeric non-root user, the one every overlay runs it as', () => {
    const users = all(final, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0]?.args ?? '').split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    for (const overlay of OVERLAYS) {
      const running = workloads(rendered(overlay)).filter(({ pod }) => allContainers(pod).some((c) => c.image?.split(/[:@]/)[0] === spec.image));
      expect(running.length, overlay).toBeGreaterThan(0);
      for (const { name, pod } of running) expect(pod.securityContext, `${overlay} ${name}`).toMatchObject({ runAsUser: uid, runAsGroup: gid });
    }
  });

  it('exposes every port the app listens on, sets each to its default, and checks its health on /healthz', () => {
    const exposed = all(final, 'EXPOSE').flatMap((e) => e.args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, ''))));
    expect(exposed.sort()).toEqual(
      spec
        .ports()
        .map((p) => p.port)
        .sort(),
    );
    const envs = all(final, 'ENV').flatMap((e) => [...e.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    for (const { env, port } of spec.ports()) expect(envs, env).toContainEqual([env, String(port)]);
    const healthchecks = all(final, 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    expect(healthchecks[0]?.args).toMatch(/CMD \[/);
    expect(healthchecks[0]?.args).toContain('/healthz');
    expect(healthchecks[0]?.args).toContain(String(spec.healthPort()));
  });

  it('starts the app with an exec-form CMD', () => {
    const cmds = all(final, 'CMD');
    expect(cmds).toHaveLength(1);
    expect(JSON.parse(cmds[0]?.args ?? '')).toEqual(spec.command);
    expect(all(final, 'WORKDIR').at(-1)?.args).toBe('/app');
  });
});

describe('the gateway image', () => {
  const text = readFileSync(path.join(DEPLOY_DIR, 'docker', 'gateway.Dockerfile'), 'utf8');

  it('puts jitgate-migrate on PATH, running @jitgate/db beside a copy of prisma/', () => {
    const db = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages/db/package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
    const binPath = db.bin['jitgate-migrate']?.replace(/^\.\//, '');
    expect(text).toContain(`pnpm --filter ${db.name} deploy --prod`);
    expect(text).toContain(`exec node /app/packages/db/${binPath}`);
    expect(text).toContain('> /usr/local/bin/jitgate-migrate');
    // packages/db/src/migrations.ts finds prisma/ three levels above its dist/.
    expect(text).toContain('cp -r prisma /out/prisma');
    expect(readFileSync(path.join(REPO_ROOT, 'packages/db/src/migrations.ts'), 'utf8')).toContain("path.resolve(here, '../../../prisma')");
  });

  it('puts jitgate-wait-for-migrations on PATH: deploy/docker/wait-for-migrations.mjs beside @jitgate/db (for pg), finding /app/prisma', () => {
    expect(existsSync(path.join(DEPLOY_DIR, 'docker/wait-for-migrations.mjs'))).toBe(true);
    expect(text).toContain('cp deploy/docker/wait-for-migrations.mjs /out/packages/db/wait-for-migrations.mjs');
    expect(text).toContain('exec node /app/packages/db/wait-for-migrations.mjs');
    expect(text).toContain('> /usr/local/bin/jitgate-wait-for-migrations');
    // The script finds prisma/migrations two levels up, in the repository and in the image alike.
    expect(readFileSync(path.join(DEPLOY_DIR, 'docker/wait-for-migrations.mjs'), 'utf8')).toContain("'../../prisma/migrations'");
    const db = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages/db/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(db.dependencies.pg).toBeDefined();
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, build output, VCS data and secrets out of the context', () => {
    for (const entry of ['**/node_modules', '**/dist', '.git', '.env', '.env.*', '**/*.pem', '**/*.key']) expect(dockerignore).toContain(entry);
    // …but not what the images build from.
    for (const needed of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', 'prisma', 'apps', 'packages']) expect(dockerignore).not.toContain(needed);
  });
});
