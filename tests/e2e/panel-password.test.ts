import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffRole } from '../../src/db/schema.js';
import { PASSWORD, PanelHarness } from './panel-harness.js';

const ROLES: StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];

describe('the password change: a plain route in the panel’s look, texts from its locale', () => {
  const h = new PanelHarness();
  let min: number;

  beforeAll(async () => {
    await h.setUp();
    min = h.staff.policy.passwordMinLength;
  }, 60_000);
  afterAll(() => h.tearDown(), 60_000);

  const post = (cookie: string, body: string, origin = h.url) =>
    fetch(`${h.url}/admin/password`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  /** The text of the field's message, if the page shows one on it. */
  const messageOn = (html: string, field: string) =>
    new RegExp(`id="${field}-error"[^>]*>([^<]*)<`).exec(html)?.[1];

  // Each test logs in (Argon2id hashing) and the machine is shared: generous time limits.
  it('is open to every role, drawn with the design system, and names no role', {
    timeout: 90_000,
  }, async () => {
    for (const role of ROLES) {
      const cookie = await h.login(await h.addStaff(role, 'en'));
      const response = await h.get('/admin/password', cookie);
      expect(response.status, role).toBe(200);
      expect(response.headers.get('content-type'), role).toContain('text/html');
      const html = await response.text();
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('<title>Change your password</title>');
      expect(html).toContain(`at least ${min} characters`);
      // AdminJS's own components and their styles, rendered on the server; no script at all.
      expect(html).toContain('adminjs_Input');
      expect(html).toContain('adminjs_Button');
      expect(html).toMatch(/<style data-styled="true"/);
      expect(html).not.toContain('<script');
      expect(html).not.toMatch(/fonts\.googleapis/);
      const text = html.replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]*>/g, ' ');
      for (const other of ROLES) expect(text).not.toMatch(new RegExp(`\\b${other}\\b`, 'i'));
    }
  });

  it('speaks Russian to a Russian-speaking person', { timeout: 90_000 }, async () => {
    const cookie = await h.login(await h.addStaff('master', 'ru'));
    const html = await (await h.get('/admin/password', cookie)).text();
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('Смена пароля');
    expect(html).toContain(`не короче ${min} знаков`);
    const mismatch = await post(cookie, form({ current: PASSWORD, next: 'a', repeat: 'b' }));
    expect(mismatch.status).toBe(400);
    expect(messageOn(await mismatch.text(), 'repeat')).toBe('Пароли не совпадают.');
  });

  it('shows each refusal on its field and echoes nothing typed', { timeout: 90_000 }, async () => {
    const email = await h.addStaff('admin', 'en');
    const cookie = await h.login(email);
    const hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const cases: [Record<string, string>, string, string][] = [
      [
        { current: PASSWORD, next: hostile, repeat: `${hostile}!` },
        'repeat',
        'The passwords do not match.',
      ],
      [
        {
          current: hostile,
          next: 'plum violin seventy harbour',
          repeat: 'plum violin seventy harbour',
        },
        'current',
        'The current password is wrong.',
      ],
      [
        { current: PASSWORD, next: PASSWORD, repeat: PASSWORD },
        'next',
        'The new password is the same as the current one.',
      ],
      [
        { current: PASSWORD, next: 'x'.repeat(5000), repeat: 'x'.repeat(5000) },
        'next',
        'The new password is too long.',
      ],
      [{ current: 'y'.repeat(5000) }, 'current', 'The new password is too long.'],
    ];
    for (const [fields, field, message] of cases) {
      const response = await post(cookie, form(fields));
      expect(response.status, message).toBe(400);
      const html = await response.text();
      expect(messageOn(html, field), message).toBe(message);
      expect(html).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('onerror');
      expect(html).not.toContain('xxxxxxxxxx');
    }
    // A field sent twice (an array where text belongs) is refused, not a 500.
    const twice = await post(cookie, 'current=a&current=b&next=c&repeat=c');
    expect(twice.status).toBe(400);
    // The account still logs in with its old password: nothing was changed. (Through the
    // service: the panel's login is throttled per address, and this file logs in often.)
    await expect(h.staff.authenticate(email, PASSWORD, null)).resolves.toMatchObject({ email });
  });

  it('refuses a post from another site and sends a stranger to the login', {
    timeout: 90_000,
  }, async () => {
    const cookie = await h.login(await h.addStaff('manager', 'en'));
    const next = 'plum violin seventy harbour';
    const forged = await post(
      cookie,
      form({ current: PASSWORD, next, repeat: next }),
      'https://evil.example',
    );
    expect(forged.status).toBe(403);
    const stranger = await h.get('/admin/password');
    expect(stranger.status).toBe(302);
    expect(stranger.headers.get('location')).toBe('/admin/login');
  });

  it('changes the password and goes on to the panel', { timeout: 90_000 }, async () => {
    const email = await h.addStaff('analyst', 'en');
    const cookie = await h.login(email);
    const next = 'plum violin seventy harbour';
    const response = await post(cookie, form({ current: PASSWORD, next, repeat: next }));
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/admin');
    await expect(h.staff.authenticate(email, next, null)).resolves.toMatchObject({ email });
    await expect(h.staff.authenticate(email, PASSWORD, null)).rejects.toThrow();
  });
});
