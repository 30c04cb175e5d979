/**
 * A small typed codec for callback data, in the spirit of the grammY template's `callback-data`:
 * `createCallbackData('rate', { visitId: uuid, score: int(1, 5) })` packs to `rate:<id>:<n>`,
 * unpacks only what it packed (every field checked), and gives a filter for
 * `composer.callbackQuery()`. Written here rather than taken from npm so that the wire format
 * stays exactly the one earlier messages carry: buttons in chats live for months, and a press on
 * last month's reminder must still mean what it meant.
 */

/** Telegram refuses callback data longer than this, in bytes. */
export const MAX_CALLBACK_BYTES = 64;

/** One field: how it is written and read back, and its widest value (for the length test). */
export interface Field<T> {
  /** A regular expression source matching the written form exactly (never containing `:`). */
  readonly pattern: string;
  write(value: T): string;
  read(text: string): T | undefined;
  readonly widest: T;
}

export const uuid: Field<string> = {
  pattern: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  write: (value) => value.toLowerCase(),
  read: (text) => text,
  widest: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
};

/** A whole number within [min, max], written in decimal without sign or leading zeros. */
export function int(min: number, max: number): Field<number> {
  if (min < 0 || !Number.isSafeInteger(max)) throw new Error('int fields are 0 … MAX_SAFE_INTEGER');
  return {
    pattern: `(?:0|[1-9]\\d{0,${String(max).length - 1}})`,
    write: (value) => String(value),
    read: (text) => {
      const value = Number(text);
      return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
    },
    widest: max,
  };
}

/** One of a fixed list of words. */
export function oneOf<const V extends readonly string[]>(values: V): Field<V[number]> {
  const escaped = values.map((v) => v.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'));
  return {
    pattern: `(?:${escaped.join('|')})`,
    write: (value) => value,
    read: (text) => values.find((v) => v === text),
    widest: values.reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a), ''),
  };
}

/** A calendar day `YYYY-MM-DD` that exists. */
export const isoDay: Field<string> = {
  pattern: '\\d{4}-\\d{2}-\\d{2}',
  write: (value) => value,
  read: (text) => {
    const at = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(text) ? text : undefined;
  },
  widest: '2099-12-31',
};

// biome-ignore lint/suspicious/noExplicitAny: a field of any value type
type Fields = Record<string, Field<any>>;
export type ValuesOf<F extends Fields> = {
  [K in keyof F]: F[K] extends Field<infer T> ? T : never;
};

export interface CallbackCodec<F extends Fields = Fields> {
  readonly prefix: string;
  pack(values: ValuesOf<F>): string;
  /** The values, or undefined for anything this codec did not write (or wrote differently). */
  unpack(data: string): ValuesOf<F> | undefined;
  /** Matches exactly this codec's shape of data, for `composer.callbackQuery(codec.filter())`. */
  filter(): RegExp;
  /** The data for the widest values of every field: the longest this codec can produce. */
  widest(): string;
}

export function createCallbackData<F extends Fields>(prefix: string, fields: F): CallbackCodec<F> {
  const names = Object.keys(fields) as (keyof F & string)[];
  const field = (name: keyof F & string) => fields[name] as Field<unknown>;
  const source = [prefix.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')]
    .concat(names.map((n) => `(${field(n).pattern})`))
    .join(':');
  const exact = new RegExp(`^${source}$`);

  const unpack = (data: string): ValuesOf<F> | undefined => {
    if (data.length > MAX_CALLBACK_BYTES) return undefined;
    const match = exact.exec(data);
    if (!match) return undefined;
    const out: Record<string, unknown> = {};
    for (const [i, n] of names.entries()) {
      const value = field(n).read(match[i + 1] ?? '');
      if (value === undefined) return undefined;
      out[n] = value;
    }
    return out as ValuesOf<F>;
  };

  return {
    prefix,
    pack(values) {
      const data = [prefix, ...names.map((n) => field(n).write(values[n]))].join(':');
      // A value the field cannot hold is a programming error, never user input.
      if (Buffer.byteLength(data) > MAX_CALLBACK_BYTES || unpack(data) === undefined)
        throw new Error(`callback data for '${prefix}' out of shape`);
      return data;
    },
    unpack,
    filter: () => exact,
    widest: () => [prefix, ...names.map((n) => field(n).write(field(n).widest))].join(':'),
  };
}
