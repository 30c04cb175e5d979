import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Written last, so a database holding it has the whole demo salon. */
const MARKER = 'demo.salon';

export interface DemoMarker {
  seed: number;
  clients: number;
  months: number;
  generatedAt: string;
}

export async function readDemoMarker(db: Kysely<Database>): Promise<DemoMarker | null> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', MARKER)
    .executeTakeFirst();
  return row ? (row.value as DemoMarker) : null;
}

export async function writeDemoMarker(db: Kysely<Database>, marker: DemoMarker): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key: MARKER, value: JSON.stringify(marker) })
    .execute();
}

/** Anything in the database already (a generation cut short leaves staff and branches). */
export async function holdsData(db: Kysely<Database>): Promise<boolean> {
  const [staff, branches] = await Promise.all([
    db.selectFrom('staff_users').select('id').limit(1).executeTakeFirst(),
    db.selectFrom('branches').select('id').limit(1).executeTakeFirst(),
  ]);
  return staff !== undefined || branches !== undefined;
}
