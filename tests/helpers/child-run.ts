import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { waitFor } from './wait.js';

/** A script of the product run as its own process, with what it printed so far. */
export interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs `script` under tsx with only PATH, HOME and `env` in its environment. */
export function runScript(script: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(script)], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c) => {
    out += c;
  });
  child.stderr?.on('data', (c) => {
    err += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Resolves when the process prints `text` (on stdout or stderr, as `output` gathers them),
 * as it prints it; rejects if the process exits first or the time runs out.
 */
export function waitForOutput(
  child: ChildProcess,
  output: () => string,
  text: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', look);
      child.stderr?.off('data', look);
      child.off('close', exited);
      if (error) reject(error);
      else resolve();
    };
    // Registered after the gathering listeners, so output() already holds the chunk.
    const look = () => {
      if (output().includes(text)) finish();
    };
    const exited = () =>
      output().includes(text)
        ? finish()
        : finish(new Error(`exited (${child.exitCode}) before printing '${text}':\n${output()}`));
    const timer = setTimeout(
      () => finish(new Error(`'${text}' not printed within ${timeoutMs} ms:\n${output()}`)),
      timeoutMs,
    );
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('close', exited);
    look();
    if (child.exitCode !== null && (child.stdout?.closed ?? true)) exited();
  });
}

/** Waits until the product answers /healthz on `port`; returns how long that took. */
export async function waitHealthy(
  port: number,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`exited early:\n${output()}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false; // not listening yet
      }
    },
    { timeout: timeoutMs, what: '/healthz', details: output },
  );
  return Date.now() - started;
}
