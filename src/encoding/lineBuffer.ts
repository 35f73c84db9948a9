/**
 * Builds a chunk of NDJSON directly as bytes. Concatenating thousands of line strings and
 * encoding the result measured about 3.5 µs a record (rope flattening plus UTF-8 encoding);
 * writing each piece into one growing buffer avoids both. Every chunk gets a fresh
 * ArrayBuffer, so the result can be transferred to another thread without copying.
 */

const B64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const PAD = 0x3d;

export class LineBuffer {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.from(new ArrayBuffer(initialBytes));
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.from(new ArrayBuffer(size));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Any text: copied code unit by code unit while it is ASCII (short JSON pieces, where a
   * native write call costs more than the copy), else encoded as UTF-8. */
  text(s: string): void {
    const n = s.length;
    this.ensure(n * 3);
    const out = this.buf;
    const start = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = start + out.write(s, start, 'utf8');
        return;
      }
      out[start + i] = c;
    }
    this.pos = start + n;
  }

  /** A JSON string literal; only text that needs escaping goes through JSON.stringify. */
  jsonString(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
        this.text(JSON.stringify(s));
        return;
      }
    }
    this.ensure(2);
    this.buf[this.pos++] = 0x22;
    this.text(s);
    this.ensure(1);
    this.buf[this.pos++] = 0x22;
  }

  /** Standard base64 with padding, as Buffer#toString('base64') gives. */
  base64(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(Math.ceil(n / 3) * 4);
    const out = this.buf;
    let p = this.pos;
    let i = 0;
    for (; i + 2 < n; i += 3) {
      const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      out[p++] = B64[v >>> 18]!;
      out[p++] = B64[(v >>> 12) & 63]!;
      out[p++] = B64[(v >>> 6) & 63]!;
      out[p++] = B64[v & 63]!;
    }
    if (i < n) {
      const v = (bytes[i]! << 16) | ((i + 1 < n ? bytes[i + 1]! : 0) << 8);
      out[p++] = B64[v >>> 18]!;
      out[p++] = B64[(v >>> 12) & 63]!;
      out[p++] = i + 1 < n ? B64[(v >>> 6) & 63]! : PAD;
      out[p++] = PAD;
    }
    this.pos = p;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written, as a view over this chunk's own ArrayBuffer. */
  take(): Uint8Array {
    return new Uint8Array(this.buf.buffer, 0, this.pos);
  }
}
