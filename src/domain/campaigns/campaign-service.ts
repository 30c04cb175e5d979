import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Crypto } from '../../crypto/crypto.js';
import type { Database } from '../../db/schema.js';
import type { Client, ClientService } from '../clients/client-service.js';
import { NotFoundError } from '../errors.js';
import type { LoyaltyService } from '../loyalty/loyalty-service.js';
import { enqueueMessage } from '../outbox/outbox.js';
import { getSettings } from '../settings.js';
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

/** Clients of one time zone: a branch's, or (branchIds null) those with no active home branch. */
interface Group {
  zone: string;
  branchIds: Set<string> | null;
  branchName: string;
}

interface SendInput {
  campaign: string;
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
 * campaign_messages, inserted in the same transaction as the message, decides it, so repeated
 * runs and two job instances at once send nothing twice.
 */
export class CampaignService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly crypto: Crypto,
    private readonly clients: ClientService,
    private readonly loyalty: LoyaltyService,
    private readonly templates: TemplateService,
    private readonly defaultZone: string,
  ) {}

  private async groups(): Promise<{ groups: Group[]; active: Set<string> }> {
    const branches = await this.db
      .selectFrom('branches')
      .select(['id', 'name', 'time_zone'])
      .where('active', '=', true)
      .orderBy('created_at')
      .execute();
    return {
      groups: [
        ...branches.map((b) => ({
          zone: b.time_zone,
          branchIds: new Set([b.id]),
          branchName: b.name,
        })),
        { zone: this.defaultZone, branchIds: null, branchName: branches[0]?.name ?? '' },
      ],
      active: new Set(branches.map((b) => b.id)),
    };
  }

  private belongs(client: Client, group: Group, active: Set<string>): boolean {
    return group.branchIds
      ? client.homeBranchId !== null && group.branchIds.has(client.homeBranchId)
      : client.homeBranchId === null || !active.has(client.homeBranchId);
  }

  /** Local time of a group, when it is within three hours after `hour` (a late run still sends). */
  private localIfDue(now: Date, group: Group, hour: number): DateTime | null {
    const local = DateTime.fromJSDate(now, { zone: group.zone });
    return local.hour >= hour && local.hour < hour + 3 ? local : null;
  }

  async runBirthdays(now: Date): Promise<number> {
    const settings = await getSettings(this.db, [
      'campaigns.local_hour',
      'birthday.coupon_percent',
      'birthday.coupon_days',
    ]);
    const { groups, active } = await this.groups();
    let sent = 0;
    for (const group of groups) {
      const local = this.localIfDue(now, group, settings['campaigns.local_hour']);
      if (!local) continue;
      const celebrants = (
        await this.clients.birthdayCelebrants(birthdaysOn(local.year, local.month, local.day))
      ).filter((c) => this.belongs(c, group, active));
      const percent = settings['birthday.coupon_percent'];
      for (const client of celebrants)
        sent += await this.send({
          campaign: 'birthday',
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
    const { groups, active } = await this.groups();
    let sent = 0;
    for (const holiday of holidays) {
      const audience = audienceSchema.safeParse(holiday.audience);
      if (!audience.success) continue;
      for (const group of groups) {
        const local = this.localIfDue(now, group, holiday.local_hour);
        if (!local || occurrence(holiday, local.year) !== local.toISODate()) continue;
        let after: string | null = null;
        for (;;) {
          const page = await this.clients.marketingAudience(after, AUDIENCE_PAGE);
          if (page.length === 0) break;
          after = page[page.length - 1]?.id ?? null;
          for (const client of page) {
            if (!this.belongs(client, group, active)) continue;
            if (!(await this.matches(audience.data, client, now))) continue;
            sent += await this.send({
              campaign: `holiday:${holiday.id}`,
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
      case 'tags':
        return client.tags.some((t) => audience.tags.includes(t));
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
   * Clients whose last visit was at least N months ago and who have nothing booked get one
   * message with a unique coupon per lapse (the occurrence is that last visit).
   */
  async runWinback(now: Date): Promise<number> {
    const settings = await getSettings(this.db, [
      'campaigns.local_hour',
      'winback.months',
      'winback.coupon_percent',
      'winback.coupon_days',
    ]);
    const months = Math.min(8, Math.max(6, settings['winback.months']));
    const cutoff = DateTime.fromJSDate(now).minus({ months }).toJSDate();
    const lapsed = await sql<{ client_id: string; visit_id: string }>`
      SELECT c.id AS client_id, last.id AS visit_id
      FROM clients c
      JOIN LATERAL (
        SELECT a.id, a.starts_at FROM appointments a
        WHERE a.client_id = c.id AND a.status = 'done'
        ORDER BY a.starts_at DESC LIMIT 1
      ) last ON true
      WHERE c.erased_at IS NULL AND c.marketing_opt_in AND c.telegram_user_id IS NOT NULL
        AND c.blocked_bot_at IS NULL AND last.starts_at <= ${cutoff}
        AND NOT EXISTS (
          SELECT 1 FROM appointments f WHERE f.client_id = c.id
            AND f.status IN ('booked', 'confirmed') AND f.starts_at > ${now})
        AND NOT EXISTS (
          SELECT 1 FROM campaign_messages m WHERE m.campaign = 'winback'
            AND m.occurrence = last.id::text AND m.client_id = c.id)`.execute(this.db);
    if (lapsed.rows.length === 0) return 0;
    const { groups, active } = await this.groups();
    let sent = 0;
    for (const row of lapsed.rows) {
      const client = await this.clients.findById(row.client_id);
      if (!client) continue;
      const group = groups.find((g) => this.belongs(client, g, active));
      if (!group || !this.localIfDue(now, group, settings['campaigns.local_hour'])) continue;
      sent += await this.send({
        campaign: 'winback',
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
    const row = await sql<{ sent: string; came_back: string; waiting: string }>`
      SELECT count(*) AS sent,
        count(*) FILTER (WHERE EXISTS (
          SELECT 1 FROM appointments a WHERE a.client_id = m.client_id
            AND a.status IN ('booked', 'confirmed', 'done')
            AND a.created_at > m.sent_at AND a.created_at <= m.sent_at + interval '60 days')) AS came_back,
        count(*) FILTER (WHERE m.sent_at > ${now}::timestamptz - interval '60 days') AS waiting
      FROM campaign_messages m WHERE m.campaign = 'winback'`.execute(this.db);
    const r = row.rows[0];
    return {
      sent: Number(r?.sent ?? 0),
      cameBack: Number(r?.came_back ?? 0),
      waiting: Number(r?.waiting ?? 0),
    };
  }

  /** A template filled in for a chosen client, with a sample coupon: what they would receive. */
  async preview(templateKey: string, locale: string, clientId: string, now: Date): Promise<string> {
    const client = await this.clients.findById(clientId);
    if (!client) throw new NotFoundError('client');
    const { groups, active } = await this.groups();
    const group = groups.find((g) => this.belongs(client, g, active));
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
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('campaign_messages')
        .values({
          campaign: input.campaign,
          occurrence: input.occurrence,
          client_id: client.id,
          sent_at: now,
        })
        .onConflict((oc) => oc.columns(['campaign', 'occurrence', 'client_id']).doNothing())
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
          .updateTable('campaign_messages')
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
        dedupeKey: `campaign:${input.campaign}:${input.occurrence}:${client.id}`,
        chatId,
        clientId: client.id,
        kind: input.campaign.split(':')[0] ?? input.campaign,
        message: { text },
      });
      return 1;
    });
  }
}
