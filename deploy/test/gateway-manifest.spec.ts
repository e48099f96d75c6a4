// gateway.yaml: the Deployment, its Services (one headless for agents), the PDB and the
// migration Job, against what the gateway and @jitgate/db actually are.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IService } from 'kubernetes-models/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IJob } from 'kubernetes-models/batch/v1';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './load-manifests.js';
import { env, expectHardenedPod, find, onlyContainer, probePort } from './manifest-helpers.js';

describe('gateway.yaml', () => {
  const deployment = find<IDeployment>('Deployment', 'jitgate-gateway');
  const pod = deployment.spec?.template.spec;
  const container = onlyContainer(pod);
  const gatewayPackage = JSON.parse(readFileSync(path.join(REPO_ROOT, 'apps/gateway/package.json'), 'utf8')) as { main: string };

  it('runs the gateway entry point', () => {
    expect(container.command).toEqual(['node', 'apps/gateway/dist/main.js']);
    expect(`./${container.command?.[1]?.replace('apps/gateway/', '')}`).toBe(gatewayPackage.main);
  });

  it('opens the three ports the gateway listens on, and sets them in its env', () => {
    expect(container.ports?.map((p) => [p.name, p.containerPort])).toEqual([
      ['http', 8080],
      ['tunnel', 8443],
      ['tcp', 8444],
    ]);
    expect(env(container, 'PORT')?.value).toBe('8080');
    expect(env(container, 'JITGATE_TUNNEL_PORT')?.value).toBe('8443');
    expect(env(container, 'JITGATE_TCP_PORT')?.value).toBe('8444');
  });

  it('probes /healthz (liveness, startup) and /readyz (readiness) on the REST port', () => {
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.startupProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) expect(probePort(container, probe)).toBe(8080);
    // The paths are the gateway's own routes.
    const health = readFileSync(path.join(REPO_ROOT, 'apps/gateway/src/platform/health/health.controller.ts'), 'utf8');
    expect(health).toContain("@Get('healthz')");
    expect(health).toContain("@Get('readyz')");
  });

  it('takes DATABASE_URL and REDIS_URL from the jitgate-gateway Secret', () => {
    for (const [name, key] of [
      ['DATABASE_URL', 'database-url'],
      ['REDIS_URL', 'redis-url'],
    ] as const) {
      expect(env(container, name)?.value).toBeUndefined();
      expect(env(container, name)?.valueFrom?.secretKeyRef).toEqual({ name: 'jitgate-gateway', key });
    }
    expect(env(container, 'JITGATE_BOOTSTRAP_TOKEN')?.valueFrom?.secretKeyRef).toMatchObject({ name: 'jitgate-gateway', optional: true });
  });

  it('serves the tunnel and the client listener with TLS from a read-only Secret mount', () => {
    const mount = container.volumeMounts?.find((m) => m.name === 'tls');
    expect(mount).toMatchObject({ mountPath: '/etc/jitgate/tls', readOnly: true });
    expect(pod?.volumes?.find((v) => v.name === 'tls')?.secret?.secretName).toBe('jitgate-gateway-tls');
    for (const name of ['JITGATE_TUNNEL_TLS_CERT', 'JITGATE_TUNNEL_TLS_KEY', 'JITGATE_TCP_TLS_CERT', 'JITGATE_TCP_TLS_KEY']) {
      expect(env(container, name)?.value, name).toMatch(/^\/etc\/jitgate\/tls\/tls\.(crt|key)$/);
    }
    expect(env(container, 'JITGATE_TUNNEL_INSECURE')).toBeUndefined();
  });

  it('is hardened: non-root, read-only root, no capabilities, resources set', () => {
    expectHardenedPod(pod, container);
  });

  it('rolls without losing capacity and spreads replicas', () => {
    expect(deployment.spec?.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    expect(find<{ spec: { minAvailable: number } }>('PodDisruptionBudget', 'jitgate-gateway').spec.minAvailable).toBe(1);
  });

  it('has a Service for REST and the client listener', () => {
    const service = find<IService>('Service', 'jitgate-gateway');
    expect(service.spec?.selector).toEqual(deployment.spec?.selector.matchLabels);
    expect(service.spec?.ports?.map((p) => [p.port, p.targetPort])).toEqual([
      [8080, 'http'],
      [8444, 'tcp'],
    ]);
  });

  it('has a headless Service on the tunnel port for agent discovery', () => {
    const service = find<IService>('Service', 'jitgate-gateway-tunnel');
    expect(service.spec?.clusterIP).toBe('None');
    expect(service.spec?.selector).toEqual(deployment.spec?.selector.matchLabels);
    expect(service.spec?.ports).toEqual([{ name: 'tunnel', port: 8443, targetPort: 'tunnel', protocol: 'TCP' }]);
  });

  it('has a migration Job running jitgate-migrate from the gateway image', () => {
    const job = find<IJob>('Job', 'jitgate-migrate');
    const jobPod = job.spec?.template.spec;
    const migrate = onlyContainer(jobPod);
    expect(migrate.command).toEqual(['jitgate-migrate']);
    expect(migrate.image).toBe(container.image);
    expect(env(migrate, 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'jitgate-gateway', key: 'database-url' });
    expect(jobPod?.restartPolicy).toBe('Never');
    expect(job.spec?.backoffLimit).toBeGreaterThan(0);
    expectHardenedPod(jobPod, migrate);
    // The bin the image puts on PATH is @jitgate/db's.
    const db = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages/db/package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(db.bin['jitgate-migrate']).toBe('./dist/migrate.cli.js');
  });
});

