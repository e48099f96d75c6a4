// The schema comes first: a Job runs jitgate-migrate from the gateway image, and every gateway
// Deployment waits in an init container until the database has every migration its image ships
// (jitgate-wait-for-migrations, checked against a real PostgreSQL in wait-for-migrations.spec.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IJob } from 'kubernetes-models/batch/v1';
import { describe, expect, it } from 'vitest';
import { env, mainContainer, ofKind, workloads } from './k8s.js';
import { OVERLAYS, REPO_ROOT, rendered } from './render.js';

const databaseUrlFromSecret = { name: 'jitgate-gateway', key: 'database-url' };

describe.each(OVERLAYS)('overlays/%s', (overlay) => {
  const objects = () => rendered(overlay);
  const gatewayImage = () => mainContainer(workloads(objects(), ['Deployment'])[0] as never).image;

  it('has one migration Job: jitgate-migrate from the gateway image, DATABASE_URL from the Secret', () => {
    const jobs = ofKind<IJob>(objects(), 'Job');
    expect(jobs.map((j) => j.metadata?.name)).toEqual(['jitgate-migrate']);
    const job = jobs[0] as IJob;
    const migrate = job.spec?.template.spec?.containers[0];
    expect(job.spec?.template.spec?.containers).toHaveLength(1);
    expect(migrate?.command).toEqual(['jitgate-migrate']);
    expect(migrate?.image).toBe(gatewayImage());
    expect(migrate?.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual(databaseUrlFromSecret);
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    expect(job.spec?.backoffLimit).toBeGreaterThan(0);
    // @jitgate/db's bin is what the image puts on PATH as jitgate-migrate (dockerfiles.spec.ts).
    const db = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages/db/package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(db.bin['jitgate-migrate']).toBe('./dist/migrate.cli.js');
  });

  it('starts no gateway before the migrations are applied: each Deployment waits in an init container', () => {
    for (const gateway of workloads(objects(), ['Deployment'])) {
      const init = gateway.pod.initContainers ?? [];
      expect(
        init.map((c) => c.name),
        gateway.name,
      ).toEqual(['wait-for-migrations']);
      const wait = init[0];
      expect(wait?.command, gateway.name).toEqual(['jitgate-wait-for-migrations']);
      expect(wait?.image, gateway.name).toBe(gatewayImage());
      expect(wait && env(wait, 'DATABASE_URL')?.valueFrom?.secretKeyRef, gateway.name).toEqual(databaseUrlFromSecret);
      // The same image: it waits for exactly the migrations this gateway was built with.
      expect(mainContainer(gateway).image, gateway.name).toBe(wait?.image);
    }
  });
});
