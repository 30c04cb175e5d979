import { type Kysely, sql } from 'kysely';

// Frozen. Discount rules as versioned data, points, coupons, campaigns (birthday, holidays,
// win-back) with one record per client and occurrence, and message templates.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('loyalty_rules')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('rules', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('coupons')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('client_id', 'uuid', (c) => c.references('clients.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind IN ('birthday', 'winback', 'manual')`),
    )
    .addColumn('percent', 'numeric(5, 2)', (c) =>
      c.notNull().check(sql`percent > 0 AND percent <= 100`),
    )
    .addColumn('categories', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
    .addColumn('valid_until', 'timestamptz', (c) => c.notNull())
    .addColumn('reserved_for', 'uuid', (c) => c.references('appointments.id').onDelete('set null'))
    .addColumn('redeemed_at', 'timestamptz')
    .addColumn('redeemed_on', 'uuid', (c) => c.references('appointments.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('coupons_validity', sql`valid_until > valid_from`)
    .execute();
  await db.schema.createIndex('coupons_client').on('coupons').column('client_id').execute();

  await db.schema
    .createTable('points_ledger')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('client_id', 'uuid', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('delta', 'numeric(12, 2)', (c) => c.notNull())
    .addColumn('reason', 'text', (c) =>
      c.notNull().check(sql`reason IN ('earn', 'spend', 'adjust')`),
    )
    .addColumn('appointment_id', 'uuid', (c) =>
      c.references('appointments.id').onDelete('set null'),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('points_ledger_client')
    .on('points_ledger')
    .column('client_id')
    .execute();

  await db.schema
    .alterTable('appointments')
    .addColumn('coupon_id', 'uuid', (c) => c.references('coupons.id').onDelete('set null'))
    .addColumn('points_spent', 'numeric(12, 2)', (c) => c.notNull().defaultTo(0))
    .addColumn('rules_version', 'integer')
    .execute();

  await db.schema
    .createTable('holidays')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('fixed', 'nth-weekday')`))
    .addColumn('month', 'integer', (c) => c.notNull().check(sql`month BETWEEN 1 AND 12`))
    .addColumn('day', 'integer', (c) => c.check(sql`day BETWEEN 1 AND 31`))
    .addColumn('weekday', 'integer', (c) => c.check(sql`weekday BETWEEN 1 AND 7`))
    .addColumn('nth', 'integer', (c) => c.check(sql`nth IN (-1, 1, 2, 3, 4)`))
    .addColumn('local_hour', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('audience', 'jsonb', (c) => c.notNull().defaultTo(sql`'{"kind":"all"}'`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'holidays_shape',
      sql`(kind = 'fixed' AND day IS NOT NULL) OR (kind = 'nth-weekday' AND weekday IS NOT NULL AND nth IS NOT NULL)`,
    )
    .execute();

  await db.schema
    .createTable('message_templates')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('message_templates_pkey', ['key', 'locale'])
    .execute();

  // One row per client and occurrence (a year's birthday, a holiday's date, a lapse): the
  // guarantee of "once", and what the win-back statistics count.
  await db.schema
    .createTable('campaign_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('campaign', 'text', (c) => c.notNull())
    .addColumn('occurrence', 'text', (c) => c.notNull())
    .addColumn('client_id', 'uuid', (c) => c.notNull().references('clients.id').onDelete('cascade'))
    .addColumn('coupon_id', 'uuid', (c) => c.references('coupons.id').onDelete('set null'))
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('campaign_messages_once', ['campaign', 'occurrence', 'client_id'])
    .execute();

  // Russian defaults; owners edit, add or switch them off.
  const fixed = (name: string, month: number, day: number) => ({ name, kind: 'fixed', month, day });
  const rows = [
    fixed('Новый год', 12, 31),
    fixed('23 февраля', 2, 23),
    fixed('8 марта', 3, 8),
    fixed('День знаний', 9, 1),
    { name: 'День матери', kind: 'nth-weekday', month: 11, weekday: 7, nth: -1 },
  ];
  const inserted = await db.insertInto('holidays').values(rows).returning(['id', 'name']).execute();
  const texts: Record<string, [string, string]> = {
    'Новый год': [
      '{name}, с наступающим Новым годом! Пусть он будет красивым. Ваша скидка у нас — {discount}%. {branch}',
      '{name}, happy New Year! May it be a beautiful one. Your discount with us is {discount}%. {branch}',
    ],
    '23 февраля': [
      '{name}, с 23 февраля! Ваша скидка — {discount}%. {branch}',
      '{name}, happy Defender of the Fatherland Day! Your discount is {discount}%. {branch}',
    ],
    '8 марта': [
      '{name}, с 8 Марта! Весеннего настроения. Ваша скидка — {discount}%. {branch}',
      "{name}, happy International Women's Day! Your discount is {discount}%. {branch}",
    ],
    'День знаний': [
      '{name}, с Днём знаний! Самое время обновить образ. Ваша скидка — {discount}%. {branch}',
      '{name}, happy Knowledge Day! A good time for a new look. Your discount is {discount}%. {branch}',
    ],
    'День матери': [
      '{name}, с Днём матери! Ваша скидка — {discount}%. {branch}',
      "{name}, happy Mother's Day! Your discount is {discount}%. {branch}",
    ],
  };
  for (const h of inserted) {
    const [ru, en] = texts[h.name] ?? ['', ''];
    await db
      .insertInto('message_templates')
      .values([
        { key: `holiday:${h.id}`, locale: 'ru', body: ru },
        { key: `holiday:${h.id}`, locale: 'en', body: en },
      ])
      .execute();
  }
  await db
    .insertInto('message_templates')
    .values([
      {
        key: 'birthday',
        locale: 'ru',
        body: '{name}, с днём рождения! Дарим купон {coupon} на скидку — действует до {valid_until}. {branch}',
      },
      {
        key: 'birthday',
        locale: 'en',
        body: '{name}, happy birthday! Here is a coupon {coupon}, valid until {valid_until}. {branch}',
      },
      {
        key: 'winback',
        locale: 'ru',
        body: '{name}, давно вас не видели! Для вас купон {coupon} — действует до {valid_until}. Будем рады снова встретиться. {branch}',
      },
      {
        key: 'winback',
        locale: 'en',
        body: "{name}, we haven't seen you for a while! Here is a coupon {coupon}, valid until {valid_until}. {branch}",
      },
    ])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('campaign_messages').execute();
  await db.schema.dropTable('message_templates').execute();
  await db.schema.dropTable('holidays').execute();
  await db.schema
    .alterTable('appointments')
    .dropColumn('coupon_id')
    .dropColumn('points_spent')
    .dropColumn('rules_version')
    .execute();
  await db.schema.dropTable('points_ledger').execute();
  await db.schema.dropTable('coupons').execute();
  await db.schema.dropTable('loyalty_rules').execute();
}
