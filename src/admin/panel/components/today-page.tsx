import { Badge, Box, H2, H5, Loader, MessageBox, Text } from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';
import React, { useEffect, useState } from 'react';
import { FigureTable } from './analytics-chart.js';

/** What the dashboard handler (pages/today-page.ts) answers. */
type Masked = number | '<5';
interface TodayData {
  birthdays: { clientId: string; name: string | null; date: string; inDays: number }[] | null;
  lowScores: {
    unhandled: Masked;
    items: { id: string; score: number; client: string | null; master: string | null }[] | null;
  } | null;
  visits: { branchId: string; branch: string; visits: Record<string, Masked> }[];
}

const api = new ApiClient();
// The statuses' names are the stats page's (locales/screens/stats.ts).
const STATUSES = ['booked', 'confirmed', 'done', 'cancelled', 'no_show'];

/** The staff start page: what needs someone today, as the role may see it. */
const TodayPage: React.FC = () => {
  const { translateComponent: tc } = useTranslation();
  const [data, setData] = useState<TodayData | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    api.getDashboard<TodayData>().then(
      (r) => setData(r.data),
      () => setFailed(true),
    );
  }, []);
  return (
    <Box variant="grey" data-testid="today-page">
      <H2>{tc('Today.title')}</H2>
      {failed && <MessageBox variant="danger" message={tc('Today.loadFailed')} mb="lg" />}
      {!data && !failed && <Loader />}
      {data && (
        <Box flex flexDirection="column" style={{ gap: 16 }}>
          <Box variant="card" data-testid="today-visits">
            <H5 mb="default">{tc('Today.visits')}</H5>
            <FigureTable
              id="today-visits"
              columns={[
                { key: 'branch', label: tc('Today.branch') },
                ...STATUSES.map((s) => ({ key: s, label: tc(`Stats.status.${s}`), numeric: true })),
              ]}
              rows={data.visits.map((b) => ({ key: b.branchId, branch: b.branch, ...b.visits }))}
              empty={tc('Today.none')}
            />
          </Box>
          {data.lowScores && (
            <Box variant="card" data-testid="today-low-scores">
              <H5 mb="default">
                {tc('Today.lowScores')}:{' '}
                <span data-figure="unhandled">{String(data.lowScores.unhandled)}</span>
              </H5>
              {data.lowScores.items?.map((i) => (
                <Text key={i.id} mb="sm">
                  <Badge variant="danger">{i.score}</Badge> {i.client ?? '—'} · {i.master ?? '—'}
                </Text>
              ))}
              <a href="/admin/pages/feedback">{tc('Today.toFeedback')}</a>
            </Box>
          )}
          {data.birthdays && (
            <Box variant="card" data-testid="today-birthdays">
              <H5 mb="default">{tc('Today.birthdays')}</H5>
              <FigureTable
                id="today-birthdays"
                columns={[
                  { key: 'date', label: tc('Today.date') },
                  { key: 'name', label: tc('Today.client') },
                ]}
                rows={data.birthdays.map((b) => ({
                  key: b.clientId,
                  date: b.inDays === 0 ? tc('Today.today') : b.date,
                  name: b.name,
                }))}
                empty={tc('Today.noBirthdays')}
              />
            </Box>
          )}
        </Box>
      )}
    </Box>
  );
};

export default TodayPage;
