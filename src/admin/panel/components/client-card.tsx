import {
  Badge,
  Box,
  H5,
  Link,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
} from '@adminjs/design-system';
import { type ActionProps, useTranslation, ViewHelpers } from 'adminjs';
import React from 'react';
import type { CardPerson, CardVisit, ClientCardView } from '../actions/client-card.js';

const h = new ViewHelpers();

/** A section of the card; absent when the role may not see it (the server left it out). */
const Section: React.FC<{ id: string; title: string; children: React.ReactNode }> = ({
  id,
  title,
  children,
}) => (
  <Box variant="card" data-testid={`card-${id}`} style={{ minWidth: 280, flex: '1 1 280px' }}>
    <H5 mb="default">{title}</H5>
    {children}
  </Box>
);

const Facts: React.FC<{ rows: [string, React.ReactNode][] }> = ({ rows }) => (
  <Table>
    <TableBody>
      {rows.map(([label, value]) => (
        <TableRow key={label}>
          <TableCell>{label}</TableCell>
          <TableCell style={{ fontWeight: 600 }}>{value}</TableCell>
        </TableRow>
      ))}
    </TableBody>
  </Table>
);

/**
 * A client's card (actions/client-card.ts): the loyalty card, level and points; what they have
 * spent and where they came from; consents; friends (who invited them, whom they invited, and
 * whom those did); visits with price, discount and amount paid.
 */
const ClientCard: React.FC<ActionProps> = ({ record }) => {
  const { translateComponent: tc, translateLabel: tl } = useTranslation();
  const t = (key: string, options?: object) => tc(`ClientCard.${key}`, options);
  if (!record) return null;
  const view = (record.params.cardView ?? {}) as Partial<ClientCardView>;
  const none = t('none');
  const person = (p: CardPerson | null | undefined) =>
    !p ? (
      none
    ) : (
      <Link
        href={h.recordActionUrl({ resourceId: 'Client', recordId: p.id, actionName: 'card' })}
        data-testid="card-person"
      >
        {p.name ?? t('erased')}
      </Link>
    );
  const status = (s: 'pending' | 'qualified') => (
    <Badge size="sm" variant={s === 'qualified' ? 'success' : 'default'} ml="sm">
      {t(`friend.${s}`)}
    </Badge>
  );
  const visitRows = (list: CardVisit[]) =>
    list.map((v) => (
      <TableRow key={v.id} data-testid="card-visit">
        <TableCell>{v.when}</TableCell>
        <TableCell>{v.service}</TableCell>
        <TableCell>{v.master}</TableCell>
        <TableCell>{v.branch}</TableCell>
        <TableCell>{tl(`status.${v.status}`, 'Visit')}</TableCell>
        <TableCell style={{ textAlign: 'right' }}>{v.price}</TableCell>
        <TableCell style={{ textAlign: 'right' }}>{`${v.discountPct} %`}</TableCell>
        <TableCell style={{ textAlign: 'right' }}>{v.amountPaid ?? '—'}</TableCell>
      </TableRow>
    ));

  return (
    <Box data-testid="client-card">
      <Text mb="lg" fontWeight="bold">
        {record.title}
      </Text>
      <Box flex flexDirection="row" flexWrap="wrap" style={{ gap: 16 }} mb="lg">
        {view.discount && (
          <Section id="loyalty" title={t('loyalty')}>
            <Facts
              rows={[
                [t('number'), view.card ?? none],
                [t('level'), view.discount.level ?? none],
                [t('discount'), `${view.discount.percent} %`],
                [t('points'), String(view.points ?? 0)],
              ]}
            />
          </Section>
        )}
        {view.value && (
          <Section id="value" title={t('value')}>
            <Facts
              rows={[
                [t('spend'), view.value.spend],
                [t('visits'), String(view.value.visits)],
                [t('averageTicket'), view.value.averageTicket ?? none],
                [t('lastVisit'), view.value.lastVisit ?? none],
                [
                  t('expectedReturn'),
                  view.value.expectedReturn
                    ? `${view.value.expectedReturn}${view.value.churnState ? ` · ${t(`churn.${view.value.churnState}`)}` : ''}`
                    : none,
                ],
                [t('segment'), view.value.segment ? t(`segments.${view.value.segment}`) : none],
                [t('source'), view.source ?? none],
                [t('referrer'), person(view.referrer)],
              ]}
            />
          </Section>
        )}
        {view.consents && (
          <Section id="consents" title={t('consents')}>
            <Facts
              rows={view.consents.map((c) => [
                t(`purpose.${c.purpose}`),
                c.granted ? t('yes') : t('no'),
              ])}
            />
          </Section>
        )}
      </Box>
      {view.friends && (
        <Box mb="lg">
          <Section id="friends" title={t('friends')}>
            <Text mb="default">
              {t('invitedBy')}: {person(view.friends.referrer)}
            </Text>
            <Text mb="default">
              {t('friendCounts', {
                qualified: view.friends.qualified,
                pending: view.friends.pending,
              })}
            </Text>
            {view.friends.invited.length === 0 ? (
              <Text>{t('noFriends')}</Text>
            ) : (
              <ul data-testid="card-friends-tree" style={{ margin: 0, paddingLeft: 20 }}>
                {view.friends.invited.map((f) => (
                  <li key={f.id} data-testid="card-friend">
                    {person(f)}
                    {status(f.status)}
                    {f.friends.length > 0 && (
                      <ul style={{ paddingLeft: 20 }}>
                        {f.friends.map((g) => (
                          <li key={g.id} data-testid="card-friend-second">
                            {person(g)}
                            {status(g.status)}
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {view.friends.more > 0 && (
              <Text mt="default">{t('more', { n: view.friends.more })}</Text>
            )}
          </Section>
        </Box>
      )}
      {view.visits && (
        <Section id="visits" title={t('visitsTitle')}>
          {view.visits.upcoming.length + view.visits.past.length === 0 ? (
            <Text>{t('noVisits')}</Text>
          ) : (
            <Box style={{ overflowX: 'auto' }}>
              <Table>
                <TableHead>
                  <TableRow>
                    {[
                      'when',
                      'service',
                      'master',
                      'branch',
                      'status',
                      'price',
                      'discountPct',
                      'paid',
                    ].map((key) => (
                      <TableCell key={key}>{t(`column.${key}`)}</TableCell>
                    ))}
                  </TableRow>
                </TableHead>
                <TableBody>
                  {visitRows(view.visits.upcoming)}
                  {visitRows(view.visits.past)}
                </TableBody>
              </Table>
            </Box>
          )}
          {view.visits.elsewhere > 0 && (
            <Text mt="default" data-testid="card-elsewhere">
              {t('elsewhere', { n: view.visits.elsewhere })}
            </Text>
          )}
        </Section>
      )}
    </Box>
  );
};

export default ClientCard;
