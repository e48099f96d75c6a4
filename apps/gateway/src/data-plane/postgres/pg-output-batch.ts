// Collects the messages one read produces into as few writes as possible. Messages passed on
// untouched are views into the chunk they came in, so neighbours usually merge back into one
// slice of it (no copy); anything else is concatenated once at flush. One write per chunk
// instead of one per message: a pgbench round trip is four or five messages each way, and each
// write on the way to the agent would otherwise become a tunnel frame of its own.
export class OutputBatch {
  private parts: Buffer[] = [];
  private bytes = 0;

  add(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const last = this.parts[this.parts.length - 1];
    if (last && last.buffer === chunk.buffer && last.byteOffset + last.length === chunk.byteOffset) {
      this.parts[this.parts.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + chunk.length);
    } else {
      this.parts.push(chunk);
    }
    this.bytes += chunk.length;
  }

  get isEmpty(): boolean {
    return this.bytes === 0;
  }

  /** Everything added since the last take, as one buffer (undefined when empty). */
  take(): Buffer | undefined {
    if (this.bytes === 0) return undefined;
    const out = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return out;
  }
}
