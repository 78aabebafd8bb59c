import { closeSync, fdatasyncSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One append-only file of a journal. Written with synchronous writes on a descriptor
 * opened for append: once `write` returns, the bytes are in the kernel and survive the
 * death of this process (not of the host, unless synced).
 */
export class Segment {
  records = 0;
  shipped = 0;
  /** A write failed part-way: the file may end in a torn line, so nothing more goes into it. */
  torn = false;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    public bytes: number,
  ) {
    this.fd = fd;
  }

  /** Creates the file (never reusing one) and writes its header; with `sync`, makes both survive a power loss. */
  static create(dir: string, name: string, header: Buffer, sync: boolean): Segment {
    const path = join(dir, name);
    const fd = openSync(path, 'ax', 0o600);
    const segment = new Segment(path, fd, 0);
    try {
      segment.writeBytes(header);
      if (sync) {
        fdatasyncSync(fd);
        syncDirectory(dir);
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return segment;
  }

  get descriptor(): number {
    if (this.fd === undefined) throw new TypeError(`segment ${this.path} is sealed`);
    return this.fd;
  }

  get sealed(): boolean {
    return this.fd === undefined;
  }

  /** Sealed and every record shipped: the file can go. */
  get done(): boolean {
    return this.sealed && this.shipped === this.records;
  }

  write(line: Buffer): void {
    this.writeBytes(line);
    this.records++;
  }

  /** No more writes; `close` receives the descriptor (the caller may have to wait for a sync in flight). */
  seal(close: (fd: number) => void = closeSync): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) close(fd);
  }

  remove(): void {
    unlinkSync(this.path);
  }

  private writeBytes(bytes: Buffer): void {
    try {
      // A regular file takes the whole buffer or fails (a short count means the disk filled up).
      const written = writeSync(this.descriptor, bytes);
      this.bytes += written;
      if (written !== bytes.length) throw new Error(`short write to ${this.path} (${written} of ${bytes.length} bytes)`);
    } catch (error) {
      this.torn = true;
      throw error;
    }
  }
}

/** A new file's name is in its directory, not its inode: sync the directory too, or a power loss can drop the file. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
