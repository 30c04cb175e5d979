import { EventEmitter } from 'node:events';

/**
 * In-process wake-ups between the sandbox's Bot API and its web chat: a new update for the
 * bot's long poll, a changed chat for the page's. The data itself is always read from the
 * database; an event only says "look again".
 */
export class SandboxEvents {
  private readonly emitter = new EventEmitter();
  private updates = 0;
  private readonly chats = new Map<number, number>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Counts queued updates, so a poller can tell whether one came while it was reading. */
  get updateVersion(): number {
    return this.updates;
  }

  updateQueued(): void {
    this.updates++;
    this.emitter.emit('update');
  }

  /** Counts changes of one chat, for the same check as updateVersion. */
  chatVersion(personaId: number): number {
    return this.chats.get(personaId) ?? 0;
  }

  chatChanged(personaId: number): void {
    this.chats.set(personaId, this.chatVersion(personaId) + 1);
    this.emitter.emit(`chat:${personaId}`);
  }

  waitForUpdate(ms: number, signal?: AbortSignal): Promise<void> {
    return this.wait('update', ms, signal);
  }

  waitForChat(personaId: number, ms: number, signal?: AbortSignal): Promise<void> {
    return this.wait(`chat:${personaId}`, ms, signal);
  }

  /** Resolves when a long poll of the chat starts waiting (it found nothing new to answer). */
  chatWaitStarted(personaId: number): Promise<void> {
    return new Promise((resolve) => this.emitter.once(`waiting:chat:${personaId}`, resolve));
  }

  /** Resolves at the event, after `ms`, or when `signal` aborts, whichever comes first. */
  private wait(event: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(event, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.emitter.on(event, done);
      signal?.addEventListener('abort', done);
      if (signal?.aborted) done();
      else this.emitter.emit(`waiting:${event}`);
    });
  }
}
