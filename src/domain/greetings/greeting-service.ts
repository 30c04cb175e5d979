import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Crypto } from '../../crypto/crypto.js';
import { campaignTotals } from '../analytics/campaigns.js';
import { churnSettings, factsReady, modelCtes } from '../analytics/churn.js';
import type { Client, ClientService } from '../clients/client-service.js';
import { tagIndexValue } from '../clients/normalise.js';
import { NotFoundError } from '../errors.js';
import type { LoyaltyService } from '../loyalty/loyalty-service.js';
import { enqueueMessage } from '../outbox/outbox.js';
import { getSettings } from '../settings.js';
import { type Db, inTransaction } from '../shared/transaction.js';
import { readAudience } from './audience-store.js';
import { belongs, type Group, greetingGroups, localIfDue } from './greeting-groups.js';
import { birthdaysOn, occurrence } from './holiday-dates.js';
import { renderTemplate, type TemplateService, type TemplateValues } from './templates.js';

/** Who a holiday greeting goes to, besides "accepts marketing and can be reached". */
export const audienceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('tags'), tags: z.array(z.string().min(1).max(50)).min(1).max(50) }),
  z.object({ kind: z.literal('level'), levels: z.array(z.string().min(1).max(40)).min(1).max(10) }),
  z.object({ kind: z.literal('branch'), branchIds: z.array(z.string().uuid()).min(1).max(100) }),
  z.object({ kind: z.literal('recent'), months: z.number().int().min(1).max(60) }),
]);
export type Audience = z.infer<typeof audienceSchema>;

interface SendInput {
  greeting: string;
  occurrence: string;
  client: Client;
  templateKey: string;
  coupon: { kind: 'birthday' | 'winback'; percent: number; days: number } | null;
  group: Group;
  now: Date;
}

const AUDIENCE_PAGE = 500;

/**
 * Birthday, holiday and win-back greetings. Each goes once per client and occurrence: a row in
 * greeting_messages, inserted in the same transaction as the message, decides it, so repeated
 * runs and two job instances at once send nothing twice.
 */
export class GreetingService {
  constructor(
    private readonly db: Db,
    private readonly crypto: Crypto,
    private readonly clients: ClientService,
    private readonly loyalty: LoyaltyService,
    private readonly templates: TemplateService,
    private readonly defaultZone: string,
  ) {}

  async runBirthdays(now: Date): Promise<number> {
    const settings = await getSettings(this.db, [
      'greetings.local_hour',
      'birthday.coupon_percent',
      'birthday.coupon_days',
    ]);
    const { groups, active } = await greetingGroups(this.db, this.defaultZone);
    let sent = 0;
    for (const group of groups) {
      const local = localIfDue(now, group, settings['greetings.local_hour']);
      if (!local) continue;
      const celebrants = (
        await this.clients.birthdayCelebrants(birthdaysOn(local.year, local.month, local.day))
      ).filter((c) => belongs(c, group, active));
      const percent = settings['birthday.coupon_percent'];
      for (const client of celebrants)
        sent += await this.send({
          greeting: 'birthday',
          occurrence: String(local.year),
          client,
          templateKey: 'birthday',
          coupon:
            percent > 0
              ? { kind: 'birthday', percent, days: settings['birthday.coupon_days'] }
              : null,
          group,
          now,
        });
    }
    return sent;
  }

  async runHolidays(now: Date): Promise<number> {
    const holidays = await this.db
      .selectFrom('holidays')
      .selectAll()
      .where('active', '=', true)
      .execute();
    const { groups, active } = await greetingGroups(this.db, this.defaultZone);
    let sent = 0;
    for (const holiday of holidays) {
      const audience = readAudience(this.crypto, holiday.id, holiday.audience);
      if (!audience) continue;
      // An audience by tags reads only the clients the tag blind index names.
      const tags = audience.kind === 'tags' ? { tags: audience.tags } : {};
      for (const group of groups) {
        const local = localIfDue(now, group, holiday.local_hour);
        if (!local || occurrence(holiday, local.year) !== local.toISODate()) continue;
        let after: string | null = null;
        for (;;) {
          const page = await this.clients.marketingAudience(after, AUDIENCE_PAGE, tags);
          if (page.length === 0) break;
          after = page[page.length - 1]?.id ?? null;
          for (const client of page) {
            if (!belongs(client, group, active)) continue;
            if (!(await this.matches(audience, client, now))) continue;
            sent += await this.send({
              greeting: `holiday:${holiday.id}`,
              occurrence: local.toISODate() ?? '',
              client,
              templateKey: `holiday:${holiday.id}`,
              coupon: null,
              group,
              now,
            });
          }
        }
      }
    }
    return sent;
  }

  private async matches(audience: Audience, client: Client, now: Date): Promise<boolean> {
    switch (audience.kind) {
      case 'all':
        return true;
      case 'tags': {
        // Confirmed on the decrypted tags, compared as the index compares them.
        const wanted = new Set(audience.tags.map(tagIndexValue));
        return client.tags.some((t) => wanted.has(tagIndexValue(t)));
      }
      case 'branch':
        return client.homeBranchId !== null && audience.branchIds.includes(client.homeBranchId);
      case 'level': {
        const level = (await this.loyalty.standing(client.id, now)).level?.name;
        return level !== undefined && audience.levels.includes(level);
      }
      case 'recent': {
        const since = DateTime.fromJSDate(now).minus({ months: audience.months }).toJSDate();
        const row = await this.db
          .selectFrom('appointments')
          .select('id')
          .where('client_id', '=', client.id)
          .where('status', '=', 'done')
          .where('starts_at', '>=', since)
          .limit(1)
          .executeTakeFirst();
        return row !== undefined;
      }
    }
  }

  /**
   * Clients whose last visit was at least N months ago (or, with `winback.use_churn_model`, whom
   * the churn model calls at risk) and who have nothing booked get one message with a unique
   * coupon per lapse (the occurrence is that last visit).
   */
  async runWinback(now: Date): Promise<number> {
    const settings = await getSettings(this.db, [
      'greetings.local_hour',
      'winback.months',
      'winback.coupon_percent',
      'winback.coupon_days',
      'winback.use_churn_model',
    ]);
    const months = Math.min(8, Math.max(6, settings['winback.months']));
    const cutoff = DateTime.fromJSDate(now).minus({ months }).toJSDate();
    // Either a fixed lapse for everyone, or the churn model's "at risk" from each client's rhythm.
    const model = settings['winback.use_churn_model'];
    const due = model
      ? sql`c.id IN (SELECT client_id FROM judged WHERE state = 'at-risk')`
      : sql`last.starts_at <= ${cutoff}`;
    const churn = model
      ? sql`WITH ${modelCtes(
          { now, branchId: null, facts: await factsReady(this.db) },
          await churnSettings(this.db),
        )}`
      : sql``;
    const lapsed = await sql<{ client_id: string; visit_id: string }>`
      ${churn}
      SELECT c.id AS client_id, last.id AS visit_id
      FROM clients c
      JOIN LATERAL (
        SELECT a.id, a.starts_at FROM appointments a
        WHERE a.client_id = c.id AND a.status = 'done'
        ORDER BY a.starts_at DESC LIMIT 1
      ) last ON true
      WHERE c.erased_at IS NULL AND c.marketing_opt_in AND c.telegram_user_id IS NOT NULL
        AND c.blocked_bot_at IS NULL AND ${due}
        AND NOT EXISTS (
          SELECT 1 FROM appointments f WHERE f.client_id = c.id
            AND f.status IN ('booked', 'confirmed') AND f.starts_at > ${now})
        AND NOT EXISTS (
          SELECT 1 FROM greeting_messages m WHERE m.greeting = 'winback'
            AND m.occurrence = last.id::text AND m.client_id = c.id)`.execute(this.db);
    if (lapsed.rows.length === 0) return 0;
    const { groups, active } = await greetingGroups(this.db, this.defaultZone);
    let sent = 0;
    for (const row of lapsed.rows) {
      const client = await this.clients.findById(row.client_id);
      if (!client) continue;
      const group = groups.find((g) => belongs(client, g, active));
      if (!group || !localIfDue(now, group, settings['greetings.local_hour'])) continue;
      sent += await this.send({
        greeting: 'winback',
        occurrence: row.visit_id,
        client,
        templateKey: 'winback',
        coupon: {
          kind: 'winback',
          percent: settings['winback.coupon_percent'],
          days: settings['winback.coupon_days'],
        },
        group,
        now,
      });
    }
    return sent;
  }

  /** Win-back results: messages sent, and how many of those clients came back within 60 days. */
  async winbackStats(now: Date): Promise<{ sent: number; cameBack: number; waiting: number }> {
    const winback = (await campaignTotals(this.db, now)).find((c) => c.kind === 'winback');
    const row = await sql<{ waiting: string }>`
      SELECT count(*) AS waiting FROM greeting_messages m WHERE m.greeting = 'winback'
        AND m.sent_at > ${now}::timestamptz - interval '60 days'`.execute(this.db);
    return {
      sent: winback?.sent ?? 0,
      cameBack: winback?.cameBack ?? 0,
      waiting: Number(row.rows[0]?.waiting ?? 0),
    };
  }

  /** A template filled in for a chosen client, with a sample coupon: what they would receive. */
  async preview(templateKey: string, locale: string, clientId: string, now: Date): Promise<string> {
    const client = await this.clients.findById(clientId);
    if (!client) throw new NotFoundError('client');
    const { groups, active } = await greetingGroups(this.db, this.defaultZone);
    const group = groups.find((g) => belongs(client, g, active));
    const body = await this.templates.get(templateKey, locale);
    return renderTemplate(
      body,
      await this.values(
        body,
        client,
        now,
        group?.branchName ?? '',
        group?.zone ?? this.defaultZone,
        locale,
        {
          code: 'XX-EXAMPLE',
          validUntil: DateTime.fromJSDate(now).plus({ days: 14 }).toJSDate(),
        },
      ),
    );
  }

  private async values(
    body: string,
    client: Client,
    now: Date,
    branch: string,
    zone: string,
    locale: string,
    coupon: { code: string; validUntil: Date } | null,
  ): Promise<TemplateValues> {
    const discount = body.includes('{discount}')
      ? (await this.loyalty.standing(client.id, now)).base
      : undefined;
    return {
      name: client.name ?? '',
      branch,
      ...(discount !== undefined ? { discount } : {}),
      ...(coupon
        ? {
            coupon: coupon.code,
            valid_until: DateTime.fromJSDate(coupon.validUntil, { zone })
              .setLocale(locale === 'en' ? 'en-GB' : 'ru')
              .toFormat('d MMMM'),
          }
        : {}),
    };
  }

  private async send(input: SendInput): Promise<number> {
    const { client, now } = input;
    if (client.telegramUserId === null) return 0;
    const chatId = client.telegramUserId;
    const body = await this.templates.get(input.templateKey, client.locale);
    return inTransaction(this.db, async (tx) => {
      const row = await tx
        .insertInto('greeting_messages')
        .values({
          greeting: input.greeting,
          occurrence: input.occurrence,
          client_id: client.id,
          sent_at: now,
        })
        .onConflict((oc) => oc.columns(['greeting', 'occurrence', 'client_id']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!row) return 0;
      const coupon = input.coupon
        ? await this.loyalty.issueCoupon(tx, {
            clientId: client.id,
            kind: input.coupon.kind,
            percent: input.coupon.percent,
            validFrom: now,
            validUntil: DateTime.fromJSDate(now).plus({ days: input.coupon.days }).toJSDate(),
          })
        : null;
      if (coupon)
        await tx
          .updateTable('greeting_messages')
          .set({ coupon_id: coupon.id })
          .where('id', '=', row.id)
          .execute();
      const text = renderTemplate(
        body,
        await this.values(
          body,
          client,
          now,
          input.group.branchName,
          input.group.zone,
          client.locale,
          coupon,
        ),
      );
      await enqueueMessage(tx, this.crypto, {
        dedupeKey: `greeting:${input.greeting}:${input.occurrence}:${client.id}`,
        chatId,
        clientId: client.id,
        kind: input.greeting.split(':')[0] ?? input.greeting,
        message: { text },
      });
      return 1;
    });
  }
}
