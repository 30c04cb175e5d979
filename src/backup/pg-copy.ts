import { once } from 'node:events';
import { Readable } from 'node:stream';
import type pg from 'pg';

/**
 * COPY over `pg`'s own protocol handling, without the pg-copy-streams package: pg hands the
 * CopyData/CopyInResponse messages of its active query to that query object (a "submittable"),
 * so a query object that sends the COPY statement and consumes those messages is all it takes.
 * Back-pressure: COPY TO pauses the socket while the reader is full; COPY FROM waits for the
 * socket to drain.
 */

/** The parts of pg's Connection these queries use (the typings omit the copy methods). */
interface CopyConnection {
  stream: NodeJS.ReadableStream & NodeJS.WritableStream & { writableNeedDrain: boolean };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

function rowsOf(message: { text?: string }): number {
  return Number(/^COPY (\d+)/.exec(message.text ?? '')?.[1] ?? Number.NaN);
}

/** `COPY … TO STDOUT` as a byte stream; `rows` is known once the stream has ended. */
export class CopyOut extends Readable implements pg.Submittable {
  rows = Number.NaN;
  private connection: CopyConnection | undefined;

  constructor(private readonly text: string) {
    super({ highWaterMark: 256 * 1024 });
  }

  submit(connection: unknown): void {
    this.connection = connection as CopyConnection;
    this.connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    // The chunk is a view into pg's read buffer, which pg overwrites with the next socket read:
    // copy it before it waits in our queue.
    if (!this.push(Buffer.from(message.chunk))) this.connection?.stream.pause();
  }

  override _read(): void {
    this.connection?.stream.resume();
  }

  handleCommandComplete(message: { text?: string }): void {
    this.rows = rowsOf(message);
  }

  /** The connection is free again: only now may the caller send its next statement. */
  handleReadyForQuery(): void {
    this.connection?.stream.resume();
    this.push(null);
  }

  handleError(error: Error): void {
    this.connection?.stream.resume();
    this.destroy(error);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handleCopyInResponse(): void {}
}

/** `COPY … FROM STDIN`: write chunks, then end() for the number of rows the server stored. */
export class CopyIn implements pg.Submittable {
  private connection: CopyConnection | undefined;
  private error: Error | undefined;
  private rows = Number.NaN;
  private readonly ready: Promise<void>;
  private readonly done: Promise<number>;
  private settleReady!: (error?: Error) => void;
  private settleDone!: (error?: Error) => void;

  constructor(private readonly text: string) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.done = new Promise<number>((resolve, reject) => {
      this.settleDone = (error) => (error ? reject(error) : resolve(this.rows));
    });
    // Either may be awaited late (or never, once the other failed): no unhandled rejection.
    this.ready.catch(() => undefined);
    this.done.catch(() => undefined);
  }

  submit(connection: unknown): void {
    this.connection = connection as CopyConnection;
    this.connection.query(this.text);
  }

  handleCopyInResponse(): void {
    this.settleReady();
  }

  handleCommandComplete(message: { text?: string }): void {
    this.rows = rowsOf(message);
  }

  handleReadyForQuery(): void {
    this.settleDone(this.error);
  }

  handleError(error: Error): void {
    // pg forgets this query after an error: nothing else will arrive for it.
    this.error = error;
    this.settleReady(error);
    this.settleDone(error);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}

  async write(chunk: Buffer): Promise<void> {
    await this.ready;
    if (this.error) throw this.error;
    const connection = this.connection!;
    connection.sendCopyFromChunk(chunk);
    if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
  }

  async end(): Promise<number> {
    await this.ready;
    if (this.error) throw this.error;
    this.connection!.endCopyFrom();
    return this.done;
  }
}

export function copyOut(client: pg.ClientBase, text: string): CopyOut {
  return client.query(new CopyOut(text));
}

export function copyIn(client: pg.ClientBase, text: string): CopyIn {
  return client.query(new CopyIn(text));
}
