/**
 * The file-system operations an output commit makes, behind one small interface so tests can
 * fail (or "crash") any single step of it; production uses `realFs`. Every method is one system
 * call's worth of work, so "step k failed" means one thing.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';

export interface FsOps {
  /** Creates one folder (not its parents), mode 0700. */
  mkdir(path: string): void;
  /** Opens a file: 'wx' (create, fail if present) for writing, 'r' for reading a folder to fsync. */
  open(path: string, flags: 'wx' | 'r', mode?: number): number;
  write(fd: number, text: string): void;
  fsync(fd: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Removes a folder and everything in it; absent is fine. */
  removeTree(path: string): void;
  /** The entry itself (a symlink is not followed), or undefined when nothing is there. */
  lstat(path: string): Stats | undefined;
  readdir(path: string): string[];
  readFile(path: string): string;
  /** Makes the folder's entries (creations, renames, removals) durable. */
  fsyncDir(path: string): void;
}

export const realFs: FsOps = {
  mkdir: (path) => mkdirSync(path, { mode: 0o700 }),
  open: (path, flags, mode) => openSync(path, flags, mode),
  write: (fd, text) => {
    writeSync(fd, text);
  },
  fsync: (fd) => fsyncSync(fd),
  close: (fd) => closeSync(fd),
  rename: (from, to) => renameSync(from, to),
  unlink: (path) => unlinkSync(path),
  removeTree: (path) => rmSync(path, { recursive: true, force: true }),
  lstat: (path) => {
    try {
      return lstatSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  },
  readdir: (path) => readdirSync(path),
  readFile: (path) => readFileSync(path, 'utf8'),
  fsyncDir: (path) => {
    // Windows cannot open a folder to flush it (and NTFS journals renames itself).
    if (process.platform === 'win32') return;
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
};
