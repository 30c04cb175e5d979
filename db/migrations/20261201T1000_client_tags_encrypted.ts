import { type Kysely, sql } from 'kysely';

// Frozen. Client tags, the last personal column kept in plaintext, get an encrypted column and
// a blind index (for greeting audiences by tag). A migration cannot reach the master key, so
// the existing tags are encrypted at start-up by the domain (encryptPlaintextTags in
// src/domain/clients/plaintext-tags.ts), which drops the plaintext `tags` column once no row
// holds a value in it; holiday audiences naming tags are re-stored encrypted in the same step.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('tags_enc', 'bytea')
    .addColumn('tags_bidx', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
  await sql`CREATE INDEX clients_tags_bidx ON clients USING gin (tags_bidx)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS clients_tags_bidx`.execute(db);
  await db.schema.alterTable('clients').dropColumn('tags_bidx').dropColumn('tags_enc').execute();
}
