import {
  Box,
  H2,
  H5,
  Loader,
  MessageBox,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Text,
} from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';
import React, { useEffect, useState } from 'react';

/** What the page handler (pages/stats-page.ts) answers: SalonStats of the domain. */
interface Stats {
  clients: { total: number; newLast30: number; inTelegram: number; marketing: number };
  visitsLast30: Record<string, number>;
  revenueLast30: number;
  averageTicketLast30: number;
  ratings: { count: number; average: number; low: number };
  referrals: { pending: number; qualified: number };
  sources: { name: string; clients: number }[];
  winback: { sent: number; cameBack: number };
  outbox: { pending: number; failed: number };
}

const api = new ApiClient();
const STATUSES = ['booked', 'confirmed', 'done', 'cancelled', 'no_show'];

const Card: React.FC<{
  title: string;
  rows: [string, string | number][];
  id: string;
  empty?: string;
}> = ({ title, rows, id, empty }) => (
  <Box variant="card" data-testid={`stats-${id}`} style={{ minWidth: 260, flex: '1 1 260px' }}>
    <H5 mb="default">{title}</H5>
    {rows.length === 0 && empty && <Text>{empty}</Text>}
    <Table>
      <TableBody>
        {rows.map(([label, value]) => (
          <TableRow key={label}>
            <TableCell>{label}</TableCell>
            <TableCell style={{ textAlign: 'right', fontWeight: 600 }}>{String(value)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  </Box>
);

/** Today's numbers as cards; counts and sums only. */
const StatsPage: React.FC = () => {
  const { translateComponent: tc, i18n } = useTranslation();
  const [stats, setStats] = useState<Stats | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    api.getPage<{ stats: Stats }>({ pageName: 'stats' }).then(
      (r) => setStats(r.data.stats),
      () => setFailed(true),
    );
  }, []);
  const money = (n: number) =>
    n.toLocaleString(i18n.language, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return (
    <Box variant="grey" data-testid="stats-page">
      <H2>{tc('Stats.title')}</H2>
      {failed && <MessageBox variant="danger" message={tc('Stats.loadFailed')} mb="lg" />}
      {!stats && !failed && <Loader />}
      {stats && (
        <Box flex flexWrap="wrap" style={{ gap: 16 }}>
          <Card
            id="clients"
            title={tc('Stats.clients')}
            rows={[
              [tc('Stats.total'), stats.clients.total],
              [tc('Stats.fresh'), stats.clients.newLast30],
              [tc('Stats.telegram'), stats.clients.inTelegram],
              [tc('Stats.marketing'), stats.clients.marketing],
            ]}
          />
          <Card
            id="visits"
            title={tc('Stats.visits')}
            rows={STATUSES.map((s) => [tc(`Stats.status.${s}`), stats.visitsLast30[s] ?? 0])}
          />
          <Card
            id="revenue"
            title={tc('Stats.revenue')}
            rows={[
              [tc('Stats.revenue'), money(stats.revenueLast30)],
              [tc('Stats.ticket'), money(stats.averageTicketLast30)],
            ]}
          />
          <Card
            id="ratings"
            title={tc('Stats.ratings')}
            rows={[
              [tc('Stats.total'), stats.ratings.count],
              [tc('Stats.average'), stats.ratings.average],
              [tc('Stats.low'), stats.ratings.low],
            ]}
          />
          <Card
            id="referrals"
            title={tc('Stats.referrals')}
            rows={[
              [tc('Stats.pending'), stats.referrals.pending],
              [tc('Stats.qualified'), stats.referrals.qualified],
            ]}
          />
          <Card
            id="sources"
            title={tc('Stats.sources')}
            rows={stats.sources.map((s) => [s.name, s.clients])}
            empty={tc('Stats.noSources')}
          />
          <Card
            id="winback"
            title={tc('Stats.winback')}
            rows={[
              [tc('Stats.sent'), stats.winback.sent],
              [tc('Stats.back'), stats.winback.cameBack],
            ]}
          />
          <Card
            id="outbox"
            title={tc('Stats.outbox')}
            rows={[
              [tc('Stats.queued'), stats.outbox.pending],
              [tc('Stats.failed'), stats.outbox.failed],
            ]}
          />
        </Box>
      )}
    </Box>
  );
};

export default StatsPage;
