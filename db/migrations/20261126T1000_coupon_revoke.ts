import type { Kysely } from 'kysely';

// Frozen. Coupons withdrawn by the salon: a revoked coupon is never offered, reserved or redeemed.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('coupons')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'uuid', (c) => c.references('staff_users.id').onDelete('set null'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('coupons').dropColumn('revoked_by').dropColumn('revoked_at').execute();
}
