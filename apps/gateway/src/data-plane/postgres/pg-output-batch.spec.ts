import { describe, expect, it } from 'vitest';
import { OutputBatch } from './pg-output-batch.js';

describe('OutputBatch', () => {
  it('merges neighbouring views of one chunk into one view, without copying', () => {
    const chunk = Buffer.from('abcdefghij');
    const batch = new OutputBatch();
    batch.add(chunk.subarray(0, 3));
    batch.add(chunk.subarray(3, 7));
    batch.add(chunk.subarray(7));
    const out = batch.take()!;
    expect(out.toString()).toBe('abcdefghij');
    expect(out.buffer).toBe(chunk.buffer);
    expect(batch.take()).toBeUndefined();
  });

  it('keeps order across chunks and rewritten messages', () => {
    const chunk = Buffer.from('0123456789');
    const batch = new OutputBatch();
    batch.add(chunk.subarray(0, 2));
    batch.add(Buffer.from('XY'));
    batch.add(chunk.subarray(4, 6));
    batch.add(chunk.subarray(6, 8));
    batch.add(Buffer.alloc(0));
    expect(batch.take()!.toString()).toBe('01XY4567');
  });
});
