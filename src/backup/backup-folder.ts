import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ARCHIVE_EXTENSION } from './archive-format.js';

/** Archive names: the UTC time of the backup, to the millisecond; nothing else is ours. */
const NAME = /^clientele-\d{8}-\d{6}-\d{3}Z\.backup$/;

export class BackupNameError extends Error {
  override name = 'BackupNameError';
}

export interface BackupFile {
  name: string;
  size: number;
  createdAt: Date;
}

export function backupName(at: Date): string {
  const iso = at.toISOString(); // 2026-12-01T03:00:00.123Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}Z`;
  return `clientele-${stamp}${ARCHIVE_EXTENSION}`;
}

export function isBackupName(name: string): boolean {
  return NAME.test(name);
}

function timeOf(name: string): Date {
  const m = /^clientele-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})Z/.exec(name)!;
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`);
}

/**
 * The folder of archives (BACKUP_DIR). Only names of our own pattern are listed, served or
 * pruned, so a name from a request can never reach another file; an archive is written under a
 * hidden temporary name and renamed when complete, so a half-written one is never listed.
 */
export class BackupFolder {
  constructor(readonly dir: string) {}

  async list(): Promise<BackupFile[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const files: BackupFile[] = [];
    for (const name of names.filter(isBackupName)) {
      const info = await stat(path.join(this.dir, name)).catch(() => null);
      if (info?.isFile()) files.push({ name, size: info.size, createdAt: timeOf(name) });
    }
    return files.sort((a, b) => b.name.localeCompare(a.name));
  }

  /** The path of an archive named in a request; anything but one of ours is refused. */
  pathOf(name: string): string {
    if (!isBackupName(name)) throw new BackupNameError('no such backup');
    return path.join(this.dir, name);
  }

  async openArchive(name: string): Promise<{ stream: ReadStream; size: number }> {
    const file = this.pathOf(name);
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new BackupNameError('no such backup');
    return { stream: createReadStream(file), size: info.size };
  }

  /** Writes a new archive through `write`; the file appears under its name only when whole. */
  async create<T>(
    at: Date,
    write: (output: Writable) => Promise<T>,
  ): Promise<BackupFile & { result: T }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const name = backupName(at);
    const final = path.join(this.dir, name);
    const partial = path.join(this.dir, `.${name}.partial`);
    try {
      const result = await write(createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
      const handle = await open(partial, 'r+');
      await handle.sync();
      await handle.close();
      await rename(partial, final);
      const { size } = await stat(final);
      return { name, size, createdAt: timeOf(name), result };
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  /** Keeps the newest `keep` archives; returns the names removed. */
  async prune(keep: number): Promise<string[]> {
    const old = (await this.list()).slice(keep);
    for (const file of old) await rm(path.join(this.dir, file.name), { force: true });
    return old.map((f) => f.name);
  }
}
