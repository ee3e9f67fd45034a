// Exact-size reads from a stream of chunks (a gunzipped file, an archive): the IDX and tar
// readers take a header, then as many bytes as it declares, never the whole stream at once.
export class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    return true;
  }

  /** `n` bytes, or fewer only where the stream ends. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      if (!this.buf.length && !(await this.more())) break;
      const take = this.buf.subarray(0, n - have);
      parts.push(take);
      have += take.length;
      this.buf = this.buf.subarray(take.length);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
  }

  /** Fills `target` (allocated once by the caller); returns how many bytes came before the stream ended. */
  async fill(target: Uint8Array): Promise<number> {
    let at = 0;
    while (at < target.length) {
      if (!this.buf.length && !(await this.more())) break;
      const take = this.buf.subarray(0, target.length - at);
      target.set(take, at);
      at += take.length;
      this.buf = this.buf.subarray(take.length);
    }
    return at;
  }

  /** Skips up to `n` bytes without keeping them; returns how many there were. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (!this.buf.length && !(await this.more())) break;
      const k = Math.min(left, this.buf.length);
      this.buf = this.buf.subarray(k);
      left -= k;
    }
    return n - left;
  }
}
