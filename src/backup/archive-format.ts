import { Transform, type TransformCallback } from 'node:stream';
import { type BackupKey, type BackupKeys, hexId } from './backup-keys.js';

/**
 * The archive file, outermost first:
 *
 *   header   'CLBACKUP' · format (1 byte) · master key id (4 bytes) · secretstream header (24)
 *   frames   length (4 bytes) · crypto_secretstream_xchacha20poly1305 message (≤ 64 KiB plain,
 *            the header as associated data), the last one tagged FINAL
 *
 * The plain text inside the frames is gzip, and inside the gzip a sequence of records
 * (type · length · payload): a preamble (schema version, tables, sequences), then per table a
 * start record, its `COPY … TO STDOUT` bytes in data records and an end record (rows, SHA-256),
 * and last the manifest. Compression comes before encryption (ciphertext does not compress);
 * secretstream authenticates every frame and the FINAL tag marks the end, so a flipped byte,
 * a cut-off file or bytes appended after the end are all refused before anything is trusted.
 */
const MAGIC = Buffer.from('CLBACKUP', 'ascii');
export const FORMAT_VERSION = 1;
const STREAM_HEADER_BYTES = 24;
export const HEADER_BYTES = MAGIC.length + 1 + 4 + STREAM_HEADER_BYTES;
const FRAME_PLAIN_BYTES = 64 * 1024;
/** Records are written at most this big; anything claiming more is a damaged archive. */
export const MAX_RECORD_BYTES = 1024 * 1024;
export const ARCHIVE_EXTENSION = '.backup';

/** An archive that cannot be read: the message is one line saying why. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

export type RecordType = 'preamble' | 'table' | 'data' | 'end' | 'manifest';
const TYPE_CODES: Record<RecordType, number> = {
  preamble: 0x50,
  table: 0x54,
  data: 0x44,
  end: 0x45,
  manifest: 0x4d,
};
const TYPE_BY_CODE = new Map(Object.entries(TYPE_CODES).map(([k, v]) => [v, k as RecordType]));

export function encodeRecord(type: RecordType, payload: Buffer | object): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload), 'utf8');
  const head = Buffer.alloc(5);
  head.writeUInt8(TYPE_CODES[type], 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export interface ArchiveRecord {
  type: RecordType;
  payload: Buffer;
}

/** Records of a decrypted, decompressed archive, one at a time. */
export async function* readRecords(source: AsyncIterable<Buffer>): AsyncGenerator<ArchiveRecord> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (buffer.length >= 5) {
      const code = buffer.readUInt8(0);
      const length = buffer.readUInt32BE(1);
      const type = TYPE_BY_CODE.get(code);
      if (!type || length > MAX_RECORD_BYTES) throw new ArchiveError('the archive is damaged');
      if (buffer.length < 5 + length) break;
      yield { type, payload: buffer.subarray(5, 5 + length) };
      buffer = buffer.subarray(5 + length);
    }
  }
  if (buffer.length > 0) throw new ArchiveError('the archive is damaged (cut off)');
}

export function parseJson<T>(record: ArchiveRecord, expected: RecordType): T {
  if (record.type !== expected)
    throw new ArchiveError(`the archive is damaged (${record.type} where ${expected} belongs)`);
  try {
    return JSON.parse(record.payload.toString('utf8')) as T;
  } catch {
    throw new ArchiveError(`the archive is damaged (unreadable ${expected})`);
  }
}

/** Encrypts whatever passes through into the archive's header and frames. */
export function encryptArchive(keys: BackupKeys): Transform {
  const { sodium } = keys;
  const key = keys.current;
  const { state, header: streamHeader } = sodium.crypto_secretstream_xchacha20poly1305_init_push(
    key.key,
  );
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(FORMAT_VERSION, MAGIC.length);
  header.writeUInt32BE(key.id, MAGIC.length + 1);
  Buffer.from(streamHeader).copy(header, MAGIC.length + 5);
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const frame = (plain: Buffer, tag: number): Buffer => {
    const sealed = sodium.crypto_secretstream_xchacha20poly1305_push(state, plain, header, tag);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(sealed.length, 0);
    return Buffer.concat([length, sealed]);
  };

  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= FRAME_PLAIN_BYTES) {
        let all = Buffer.concat(pending);
        while (all.length >= FRAME_PLAIN_BYTES) {
          this.push(
            frame(
              all.subarray(0, FRAME_PLAIN_BYTES),
              sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
            ),
          );
          all = all.subarray(FRAME_PLAIN_BYTES);
        }
        pending = [all];
        pendingBytes = all.length;
      }
      done();
    },
    flush(done: TransformCallback) {
      this.push(
        frame(Buffer.concat(pending), sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL),
      );
      done();
    },
  });
  transform.push(header);
  return transform;
}

/** What the plain header says, read before any decrypting. */
export interface ArchiveHeader {
  formatVersion: number;
  keyId: number;
}

export function readHeader(bytes: Buffer): ArchiveHeader {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ArchiveError('this is not a Clientele backup archive');
  }
  const formatVersion = bytes.readUInt8(MAGIC.length);
  if (formatVersion !== FORMAT_VERSION) {
    throw new ArchiveError(
      `the archive has format version ${formatVersion}; this program reads version ${FORMAT_VERSION}`,
    );
  }
  return { formatVersion, keyId: bytes.readUInt32BE(MAGIC.length + 1) };
}

/** Checks the header and the key first, then decrypts frame by frame. */
export function decryptArchive(keys: BackupKeys): Transform {
  const { sodium } = keys;
  let buffer: Buffer = Buffer.alloc(0);
  let header: Buffer | undefined;
  let state: ReturnType<typeof sodium.crypto_secretstream_xchacha20poly1305_init_pull>;
  let finished = false;
  const maxFrame = FRAME_PLAIN_BYTES + sodium.crypto_secretstream_xchacha20poly1305_ABYTES;

  const open = (key: BackupKey, bytes: Buffer) => {
    state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(
      bytes.subarray(MAGIC.length + 5, HEADER_BYTES),
      key.key,
    );
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        if (!header) {
          if (buffer.length < HEADER_BYTES) return done();
          header = Buffer.from(buffer.subarray(0, HEADER_BYTES));
          const { keyId } = readHeader(header);
          open(keys.get(keyId), header);
          buffer = buffer.subarray(HEADER_BYTES);
        }
        while (buffer.length >= 4) {
          if (finished) throw new ArchiveError('the archive is damaged (data after its end)');
          const length = buffer.readUInt32BE(0);
          if (length > maxFrame || length < sodium.crypto_secretstream_xchacha20poly1305_ABYTES)
            throw new ArchiveError('the archive is damaged');
          if (buffer.length < 4 + length) break;
          const sealed = buffer.subarray(4, 4 + length);
          let opened: { message: Uint8Array; tag: number } | false;
          try {
            opened = sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed, header);
          } catch {
            opened = false;
          }
          if (!opened) {
            throw new ArchiveError(
              'the archive is damaged or was altered (a part failed its authentication check)',
            );
          }
          if (opened.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL)
            finished = true;
          buffer = buffer.subarray(4 + length);
          if (opened.message.length > 0) this.push(Buffer.from(opened.message));
        }
        if (finished && buffer.length > 0)
          throw new ArchiveError('the archive is damaged (data after its end)');
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      if (!header) return done(new ArchiveError('this is not a Clientele backup archive'));
      if (!finished) return done(new ArchiveError('the archive is incomplete (cut off)'));
      done();
    },
  });
}

export { hexId };
