import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import type { Client } from '../../../domain/clients/client-service.js';
import { formatBirthday } from '../../../domain/clients/normalise.js';
import type { Params } from '../records/record-store.js';

/** A column of an exported list: the field the role table knows it by, its header, its value. */
export interface Column<T> {
  field: string;
  header: string;
  value: (row: T) => string | number | null;
}

export const CLIENT_COLUMNS: Column<Client>[] = [
  { field: 'name', header: 'Name', value: (c) => c.name ?? '' },
  { field: 'phone', header: 'Phone', value: (c) => c.phone ?? '' },
  {
    field: 'birthday',
    header: 'Birthday',
    value: (c) => (c.birthday ? formatBirthday(c.birthday) : ''),
  },
  { field: 'tags', header: 'Tags', value: (c) => c.tags.join(', ') },
  { field: 'notes', header: 'Notes', value: (c) => c.notes ?? '' },
  { field: 'allergies', header: 'Allergies', value: (c) => c.allergies ?? '' },
  { field: 'locale', header: 'Language', value: (c) => c.locale },
  { field: 'createdAt', header: 'Created', value: (c) => c.createdAt.toISOString() },
];

export const VISIT_COLUMNS: Column<Params>[] = [
  ['startsAt', 'When'],
  ['service', 'Service'],
  ['master', 'Master'],
  ['branch', 'Branch'],
  ['status', 'Status'],
  ['client', 'Client'],
  ['clientPhone', "Client's phone"],
  ['price', 'Price'],
  ['discountPct', 'Discount, %'],
  ['toPay', 'To pay'],
  ['amountPaid', 'Paid'],
].map(([field = '', header = '']) => ({
  field,
  header,
  value: (p: Params) => {
    const v = p[field];
    if (v instanceof Date) return v.toISOString();
    return typeof v === 'number' ? v : v === null || v === undefined ? '' : String(v);
  },
}));

const FORMULA_START = '=+\\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20';
const INNER_FORMULA = new RegExp(`([,;\\t\\r\\n]"*)(?=[${FORMULA_START}])`, 'g');

/**
 * A spreadsheet that guesses another separator than ours splits a text at its commas, tabs or
 * line breaks, and its quoting then no longer lines up with ours: whatever follows such a
 * character (after any quotes) may start a cell. There a formula character gets an apostrophe
 * too, as at the start of a cell.
 */
export function guardInnerFormulas(text: string): string {
  return text.replace(INNER_FORMULA, "$1'");
}

/**
 * CSV with semicolons and a BOM, as spreadsheets in Russian locales expect, written by
 * csv-stringify: every text cell quoted; every cell that starts like a formula (= + - @, tab,
 * CR, their full-width forms) behind an apostrophe, so it shows as text instead of running; and
 * the same inside a text wherever another separator could start a cell.
 */
export function csvStream<T>(columns: Column<T>[], rows: AsyncIterable<T>): Readable {
  const csv = stringify({
    delimiter: ';',
    record_delimiter: 'windows',
    bom: true,
    header: true,
    columns: columns.map((c) => c.header),
    quoted_string: true,
    escape_formulas: true,
  });
  async function* records() {
    for await (const row of rows)
      yield columns.map((c) => {
        const value = c.value(row) ?? '';
        return typeof value === 'string' ? guardInnerFormulas(value) : value;
      });
  }
  const source = Readable.from(records());
  source.on('error', (err) => csv.destroy(err));
  return source.pipe(csv);
}

/**
 * XLSX written row by row to the response (ExcelJS's streaming writer): a large base never sits
 * in memory. Text goes in as text cells, which a spreadsheet never runs as formulas.
 */
export function xlsxStream<T>(
  columns: Column<T>[],
  rows: AsyncIterable<T>,
  sheet: string,
): PassThrough {
  const out = new PassThrough();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
  const ws = book.addWorksheet(sheet);
  ws.columns = columns.map((c) => ({ header: c.header, key: c.field, width: 20 }));
  (async () => {
    for await (const row of rows)
      ws.addRow(Object.fromEntries(columns.map((c) => [c.field, c.value(row) ?? '']))).commit();
    ws.commit();
    await book.commit();
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}
