import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FluentResource } from '@fluent/bundle';
import { locales } from 'adminjs';
import { describe, expect, it } from 'vitest';
import { en, ru, type ScreenTexts } from '../../src/admin/panel/locales/index.js';

type Tree = { [key: string]: unknown };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every leaf key of a dictionary, as dotted paths. */
function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    value !== null && typeof value === 'object'
      ? keys(value as Tree, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

/**
 * The panel's English lists only what differs from AdminJS's own English, which AdminJS merges
 * under it; Russian has no such base, so it lists everything. Compared: ru with en ∪ AdminJS's
 * English. Left out: AdminJS's names of languages the panel does not offer, and its
 * developer dashboard's tips, which no screen of ours shows in Russian either.
 */
const adminJsEnglish = keys(locales.en as unknown as Tree).filter(
  (key) =>
    !/^components\.LanguageSelector\.availableLanguages\.(?!ru$|en$)/.test(key) &&
    !/^messages\.(welcomeOnBoard|addingResources|customizeResources|customizeActions|writeOwnComponents|customDashboard|roleBasedAccess|community|foundBug|needMoreSolutions)_/.test(
      key,
    ),
);

describe('panel dictionary', () => {
  it('has the same keys in Russian and in English (with AdminJS’s English beneath)', () => {
    const ruKeys = new Set(keys(ru as Tree));
    const enKeys = new Set([...keys(en as Tree), ...adminJsEnglish]);
    expect(
      [...ruKeys].filter((k) => !enKeys.has(k)),
      'in ru, missing in en',
    ).toEqual([]);
    expect(
      [...enKeys].filter((k) => !ruKeys.has(k)),
      'in en, missing in ru',
    ).toEqual([]);
  });

  it('has no empty text in either language', () => {
    for (const [lang, tree] of [
      ['ru', ru],
      ['en', en],
    ] as const)
      for (const key of keys(tree as Tree)) {
        const value = key.split('.').reduce<unknown>((t, k) => (t as Tree)[k], tree);
        expect(typeof value === 'string' && value.trim() !== '', `${lang} ${key}`).toBe(true);
      }
  });

  const screensDir = path.join(root, 'src/admin/panel/locales/screens');
  const screenFiles = readdirSync(screensDir).filter((f) => f.endsWith('.ts'));
  it.each(screenFiles.length ? screenFiles : ['(none yet)'])(
    'screen texts %s: the same keys in both languages, merged into the dictionary',
    async (file) => {
      if (file === '(none yet)') return;
      // A screen file exports one `{ ru, en }` object, under the screen's name.
      const exported = Object.values(await import(path.join(screensDir, file))) as unknown[];
      expect(exported, `${file} exports one screen`).toHaveLength(1);
      const screen = exported[0] as Partial<ScreenTexts>;
      expect(screen.ru, `${file} exports ru`).toBeTypeOf('object');
      expect(screen.en, `${file} exports en`).toBeTypeOf('object');
      const ruKeys = keys(screen.ru as Tree).sort();
      expect(keys(screen.en as Tree).sort()).toEqual(ruKeys);
      // Listed in locales/index.ts: its keys are in the panel's dictionary.
      const merged = new Set(keys(ru as Tree));
      expect(
        ruKeys.filter((k) => !merged.has(k)),
        `${file} is not merged in index.ts`,
      ).toEqual([]);
    },
  );
});

/** Message ids and `id.attribute`s of a Fluent file; fails on anything the parser skipped. */
function fluentKeys(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const resource = new FluentResource(text);
  const out = resource.body.flatMap((m) => [
    m.id,
    ...Object.keys(m.attributes).map((a) => `${m.id}.${a}`),
  ]);
  // Every entry the file starts is one the parser read (a broken one would be dropped).
  const started = text.match(/^-?[a-zA-Z][\w-]*[ \t]*=/gm) ?? [];
  expect(resource.body.length, `${file}: entries the parser read`).toBe(started.length);
  return out.sort();
}

describe('bot dictionary', () => {
  it('has the same messages and attributes in ru.ftl and en.ftl', () => {
    const ruKeys = fluentKeys('src/bot/locales/ru.ftl');
    const enKeys = fluentKeys('src/bot/locales/en.ftl');
    expect(ruKeys.length).toBeGreaterThan(50);
    expect(
      ruKeys.filter((k) => !enKeys.includes(k)),
      'in ru.ftl, missing in en.ftl',
    ).toEqual([]);
    expect(
      enKeys.filter((k) => !ruKeys.includes(k)),
      'in en.ftl, missing in ru.ftl',
    ).toEqual([]);
  });
});
