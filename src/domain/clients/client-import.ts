import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { Actor } from '../actor.js';
import { InvalidInputError } from '../errors.js';
import type { Client, ClientInput, ClientService } from './client-service.js';
import { type Birthday, cleanText, normalisePhone, parseBirthday } from './normalise.js';

/** Which column of the file holds each field; only the phone is required. */
export interface ImportMapping {
  phone: string;
  name?: string | undefined;
  birthday?: string | undefined;
  notes?: string | undefined;
  allergies?: string | undefined;
  tags?: string | undefined;
}
export type ImportField = keyof ImportMapping;
export const IMPORT_FIELDS: readonly ImportField[] = [
  'phone',
  'name',
  'birthday',
  'notes',
  'allergies',
  'tags',
];

/** Header names recognised without mapping, lower-cased (Russian and English exports). */
const KNOWN_HEADERS: Record<ImportField, string[]> = {
  phone: ['phone', 'телефон', 'тел', 'мобильный', 'phone number'],
  name: ['name', 'имя', 'фио', 'клиент', 'full name'],
  birthday: ['birthday', 'день рождения', 'дата рождения', 'date of birth', 'др'],
  notes: ['notes', 'заметки', 'комментарий', 'примечание', 'comment'],
  allergies: ['allergies', 'аллергии', 'противопоказания'],
  tags: ['tags', 'метки', 'теги'],
};

/** A mapping guessed from the file's header row. */
export function guessMapping(headers: string[]): Partial<ImportMapping> {
  const out: Partial<ImportMapping> = {};
  for (const field of IMPORT_FIELDS) {
    const found = headers.find((h) => KNOWN_HEADERS[field].includes(h.trim().toLowerCase()));
    if (found !== undefined) out[field] = found;
  }
  return out;
}

export interface RowError {
  /** Line in the file (the header is line 1). */
  line: number;
  field: string;
  code: string;
}

export interface ImportReport {
  dryRun: boolean;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** The first errors, up to MAX_ERRORS; `failed` counts them all. */
  errors: RowError[];
  /** Set when the file itself could not be read further (bad CSV, a huge line). */
  fatal: RowError | null;
}

export type ImportCounts = Pick<
  ImportReport,
  'rows' | 'created' | 'updated' | 'unchanged' | 'failed'
>;

const countsOf = ({ rows, created, updated, unchanged, failed }: ImportReport): ImportCounts => ({
  rows,
  created,
  updated,
  unchanged,
  failed,
});

export const MAX_ERRORS = 1000;
const MAX_LINE_BYTES = 64 * 1024;
const MAX_TAGS = 30;

function isoOrDotted(text: string, today: Date): Birthday {
  const iso = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text);
  return parseBirthday(iso ? `${iso[3]}.${iso[2]}.${iso[1]}` : text, today);
}

/** One row to a client input; throws InvalidInputError naming the field at fault. */
function toInput(
  row: Record<string, string>,
  mapping: ImportMapping,
  today: Date,
): ClientInput & { phone: string } {
  const cell = (field: ImportField) => {
    const column = mapping[field];
    return column === undefined ? '' : (row[column] ?? '').trim();
  };
  const rawPhone = cell('phone');
  if (rawPhone === '') throw new InvalidInputError('phone', 'required');
  let phone: string;
  try {
    phone = normalisePhone(rawPhone);
  } catch {
    throw new InvalidInputError('phone', 'invalid');
  }
  const input: ClientInput & { phone: string } = { phone };
  // Cleaned as the base stores text, so an unchanged row compares equal (line breaks, controls).
  const text = (field: 'name' | 'notes' | 'allergies') =>
    cleanText(field, cell(field), Number.MAX_SAFE_INTEGER);
  if (text('name')) input.name = text('name');
  if (cell('birthday')) input.birthday = isoOrDotted(cell('birthday'), today);
  if (text('notes')) input.notes = text('notes');
  if (text('allergies')) input.allergies = text('allergies');
  if (cell('tags')) {
    const tags = [
      ...new Set(
        cell('tags')
          .split(/[,;]/)
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ];
    if (tags.length > MAX_TAGS || tags.some((t) => t.length > 50))
      throw new InvalidInputError('tags', 'too-long');
    input.tags = tags;
  }
  return input;
}

type Comparable = Pick<Client, 'id' | 'name' | 'birthday' | 'notes' | 'allergies' | 'tags'>;

/** A row of this file seen earlier, standing for the client a dry run would have made. */
function asClient(input: ClientInput): Comparable {
  return {
    id: '',
    name: input.name ?? null,
    birthday: input.birthday ?? null,
    notes: input.notes ?? null,
    allergies: input.allergies ?? null,
    tags: input.tags ?? [],
  };
}

function asInput(c: Comparable): ClientInput {
  return {
    name: c.name,
    birthday: c.birthday,
    notes: c.notes,
    allergies: c.allergies,
    tags: c.tags,
  };
}

/**
 * The delimiter of the file from its header line: spreadsheets in Russian locales write ';',
 * others ',' or tabs. Reads the first chunk only and hands the whole stream on.
 */
async function sniffDelimiter(source: Readable): Promise<{ delimiter: string; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const line = head.toString('utf8').split(/\r?\n/)[0] ?? '';
  const count = (d: string) => line.split(d).length - 1;
  const delimiter = [';', '\t', ','].reduce((best, d) => (count(d) > count(best) ? d : best), ',');
  async function* all() {
    if (!first.done) yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { delimiter, stream: Readable.from(all()) };
}

const sameBirthday = (a: Birthday | null, b: Birthday | null | undefined) =>
  b === undefined || (a?.day === b?.day && a?.month === b?.month && a?.year === b?.year);

/**
 * Imports clients from a CSV stream, row by row (large files never sit in memory). Rows are
 * keyed by phone: a phone already in the base updates that client with the file's non-empty
 * fields, so importing the same file again changes nothing. A dry run checks and counts
 * without writing. Bad rows are reported with their line and field and skipped.
 */
export async function importClients(
  source: Readable,
  options: {
    clients: ClientService;
    mapping: ImportMapping;
    /** Completes the mapping from the header line (the panel maps unmapped fields by name). */
    guess?: (headers: string[]) => Partial<ImportMapping>;
    dryRun: boolean;
    actor: Actor;
    /** After each row: the counts so far. */
    onProgress?: (counts: ImportCounts) => void;
  },
): Promise<ImportReport> {
  const { clients, dryRun, actor } = options;
  let mapping = options.mapping;
  const report: ImportReport = {
    dryRun,
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    errors: [],
    fatal: null,
  };
  const fail = (line: number, field: string, code: string) => {
    report.failed++;
    if (report.errors.length < MAX_ERRORS) report.errors.push({ line, field, code });
  };
  // In a dry run, rows seen earlier in the file stand for the clients they would create.
  const seen = new Map<string, ClientInput>();
  const { delimiter, stream } = await sniffDelimiter(source);
  const parser = stream.pipe(
    parse({
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim());
        if (options.guess) mapping = { ...options.guess(names) } as ImportMapping;
        if (!mapping.phone) throw new InvalidInputError('phone', 'column-missing');
        const missing = IMPORT_FIELDS.filter(
          (f) => mapping[f] !== undefined && !names.includes(mapping[f] ?? ''),
        );
        if (missing.length > 0)
          throw new InvalidInputError(missing[0] ?? 'phone', 'column-missing');
        return names;
      },
      bom: true,
      delimiter,
      skip_empty_lines: true,
      relax_column_count: true,
      // Spreadsheets write quotes inside unquoted cells (=HYPERLINK("…")); take them as text.
      relax_quotes: true,
      max_record_size: MAX_LINE_BYTES,
      info: true,
    }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      report.rows++;
      const line = info.lines;
      let input: ClientInput & { phone: string };
      try {
        input = toInput(record, mapping, clients.now());
      } catch (err) {
        if (err instanceof InvalidInputError) {
          fail(line, err.field, err.code);
          continue;
        }
        throw err;
      }
      try {
        const earlier = dryRun ? seen.get(input.phone) : undefined;
        const [found] = earlier ? [] : await clients.findByPhone(input.phone);
        const existing = found ?? (earlier ? asClient(earlier) : undefined);
        if (!existing) {
          // Checked as the real import would, without writing.
          if (dryRun) {
            clients.validate(input);
            seen.set(input.phone, input);
          } else await clients.create(input, actor);
          report.created++;
          options.onProgress?.(countsOf(report));
          continue;
        }
        const { phone: _, ...patch } = input;
        const changed =
          (patch.name !== undefined && patch.name !== existing.name) ||
          !sameBirthday(existing.birthday, patch.birthday) ||
          (patch.notes !== undefined && patch.notes !== existing.notes) ||
          (patch.allergies !== undefined && patch.allergies !== existing.allergies) ||
          (patch.tags !== undefined && patch.tags.join('\n') !== existing.tags.join('\n'));
        if (!changed) report.unchanged++;
        else {
          if (dryRun) {
            clients.validate(patch, false);
            seen.set(input.phone, { ...asInput(existing), ...patch });
          } else await clients.update(existing.id, patch, actor);
          report.updated++;
        }
      } catch (err) {
        if (err instanceof InvalidInputError) fail(line, err.field, err.code);
        else throw err;
      }
      options.onProgress?.(countsOf(report));
    }
  } catch (err) {
    if (err instanceof InvalidInputError) {
      report.fatal = { line: 1, field: err.field, code: err.code };
    } else if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines ?? report.rows + 1;
      report.fatal = {
        line,
        field: 'file',
        code: err.code === 'CSV_MAX_RECORD_SIZE' ? 'line-too-long' : 'not-csv',
      };
    } else throw err;
  }
  return report;
}
