import { describe, expect, it } from 'vitest';
import { errorsOf, refusalOf } from '../../src/admin/panel/components/form-errors.js';

/** What ApiClient (axios) throws for a refused call. */
const refused = (data: unknown) => ({ response: { status: 400, data } });

describe('form errors: one reading of every refusal shape', () => {
  it("reads a page handler's errors (screen keys with values)", () => {
    const errors = { phone: { key: 'badPhone' }, at: { key: 'tooLate', params: { n: 2 } } };
    expect(refusalOf(refused({ errors }))).toEqual({ fields: errors, notice: null });
    expect(errorsOf(refused({ errors }))).toEqual(errors);
  });

  it("reads the request schema's fields as message keys", () => {
    const body = { error: 'body.amount: too long', fields: { amount: 'too long', q: 'required' } };
    expect(refusalOf(refused(body))?.fields).toEqual({
      amount: { key: 'too long', message: true },
      q: { key: 'required', message: true },
    });
  });

  it("reads a record action's fields with their values and its notice", () => {
    const body = {
      fields: { points: 'CompleteVisit.tooManyPoints' },
      options: { n: 300 },
      notice: { message: 'CompleteVisit.tooManyPoints', type: 'error', options: { n: 300 } },
    };
    expect(refusalOf(refused(body))).toEqual({
      fields: { points: { key: 'CompleteVisit.tooManyPoints', params: { n: 300 }, message: true } },
      notice: body.notice,
    });
    // A notice alone is a refusal without fields.
    expect(refusalOf(refused({ notice: { message: 'MergeClients.gone' } }))).toEqual({
      fields: {},
      notice: { message: 'MergeClients.gone' },
    });
    expect(errorsOf(refused({ notice: { message: 'MergeClients.gone' } }))).toBeNull();
  });

  it('takes a body already read (a plain route answered through fetch)', () => {
    expect(refusalOf({ error: 'x', fields: { name: 'too long' } })?.fields.name?.key).toBe(
      'too long',
    );
  });

  it('says nothing of a network failure, a 500 or a body of another shape', () => {
    for (const err of [
      new Error('Network Error'),
      null,
      undefined,
      'text',
      refused('<html>500</html>'),
      refused(null),
      refused({ error: 'boom' }),
      refused({ errors: 'nope', fields: ['amount'] }),
    ])
      expect(refusalOf(err)).toBeNull();
  });

  it('drops malformed entries and never lets a field name reach the prototype', () => {
    const body = JSON.parse(
      '{"fields": {"__proto__": "too long", "ok": "required", "n": 5}, "errors": {"__proto__": {"key": "x"}, "bad": "y"}}',
    );
    const read = refusalOf(refused(body));
    expect(read?.fields).toEqual({ ok: { key: 'required', message: true } });
    expect(Object.getPrototypeOf(read?.fields)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).key).toBeUndefined();
  });

  it('keeps the first word on a field: the handler before the schema', () => {
    const body = { errors: { phone: { key: 'badPhone' } }, fields: { phone: 'too long' } };
    expect(refusalOf(refused(body))?.fields.phone).toEqual({ key: 'badPhone' });
  });
});
