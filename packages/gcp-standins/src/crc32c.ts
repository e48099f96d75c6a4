// CRC32C (Castagnoli), the checksum Cloud Storage keeps for every object (`crc32c`, and
// `x-goog-hash: crc32c=…`): base64 of the big-endian 32-bit value. @google-cloud/storage checks
// it after every upload and download, so the stand-in must compute it exactly. Incremental, so
// an upload is hashed as it streams in.
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export class Crc32c {
  private crc = 0xffffffff;

  update(data: Uint8Array): this {
    let crc = this.crc;
    for (let i = 0; i < data.length; i++) crc = (TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    this.crc = crc;
    return this;
  }

  /** The value as Cloud Storage writes it: base64 of 4 big-endian bytes. */
  base64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE((this.crc ^ 0xffffffff) >>> 0);
    return out.toString('base64');
  }
}
