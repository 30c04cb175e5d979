import { describe, expect, it } from 'vitest';
import { en, ru } from '../../src/admin/panel/locales/ru.js';
import { FIELD_MESSAGES } from '../../src/admin/panel/records/store-resource.js';

describe('panel translations', () => {
  it('has every field error the server sends in Russian and in English', () => {
    const ruMessages = ru.messages as Record<string, string>;
    const enMessages = en.messages as Record<string, string>;
    for (const message of [...Object.values(FIELD_MESSAGES), 'conflicts with existing data']) {
      // i18next splits keys on dots: a message with one could never be found.
      expect(message, message).not.toContain('.');
      expect(ruMessages[message], message).toMatch(/[а-яё]/i);
      expect(enMessages[message], message).toBe(message);
    }
  });
});
