// The generated code is committed and never edited: regenerate into a scratch folder and compare.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ConnectRequestSchema, ConnectResponseSchema, DataSchema, CloseReason, tunnelServiceDefinition } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const protoDir = path.resolve(here, '../../../proto');
const bin = (name: string) => path.resolve(here, '../node_modules/.bin', name);

describe('generated code', () => {
  it('matches tunnel.proto and exchange.proto (run `pnpm --filter @jitgate/proto proto:generate` after changing them)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'jitgate-proto-'));
    try {
      const template = path.join(out, 'buf.gen.yaml');
      writeFileSync(template, `version: v2\nplugins:\n  - local: ${bin('protoc-gen-es')}\n    out: ${out}\n    opt: [target=ts, import_extension=js]\n`);
      execFileSync(bin('buf'), ['lint'], { cwd: protoDir });
      execFileSync(bin('buf'), ['generate', '--template', template], { cwd: protoDir });
      for (const rel of ['jitgate/tunnel/v1/tunnel_pb.ts', 'jitgate/http/v1/exchange_pb.ts']) {
        expect(readFileSync(path.join(out, rel), 'utf8'), rel).toBe(readFileSync(path.join(here, 'gen', rel), 'utf8'));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('tunnel service definition', () => {
  it('round-trips both directions through the grpc-js serializers', () => {
    const request = create(ConnectRequestSchema, { msg: { case: 'data', value: create(DataSchema, { sid: 7, payload: new Uint8Array([1, 2, 3]) }) } });
    const wire = tunnelServiceDefinition.connect.requestSerialize(request);
    const back = tunnelServiceDefinition.connect.requestDeserialize(wire);
    expect(back.msg.case).toBe('data');
    expect(back.msg.case === 'data' && Array.from(back.msg.value.payload)).toEqual([1, 2, 3]);

    const response = create(ConnectResponseSchema, { msg: { case: 'sessionClose', value: { sid: 3, reason: CloseReason.GRANT_EXPIRED, message: 'expired' } } });
    const decoded = fromBinary(ConnectResponseSchema, toBinary(ConnectResponseSchema, response));
    expect(decoded.msg.case === 'sessionClose' && decoded.msg.value.reason).toBe(CloseReason.GRANT_EXPIRED);
  });

  it('rejects truncated frames', () => {
    const bytes = tunnelServiceDefinition.connect.requestSerialize(create(ConnectRequestSchema, { msg: { case: 'data', value: create(DataSchema, { sid: 1, payload: new Uint8Array(100) }) } }));
    expect(() => tunnelServiceDefinition.connect.requestDeserialize(bytes.subarray(0, bytes.length - 10))).toThrow();
  });
});
