import {
  Badge,
  Box,
  Button,
  H2,
  Loader,
  MessageBox,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
  TextArea,
} from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { Chart, ChartBlock, FigureTable, PrintStyle } from './analytics-chart.js';
import { errorsOf, type FieldErrors } from './form-errors.js';
import { Choice, useFieldMessage } from './page-fields.js';

/** What the page handler (pages/feedback-page.ts) answers. */
type Masked = number | '<5';
interface Item {
  kind: 'rating' | 'message';
  id: string;
  score: number | null;
  text: string | null;
  clientName: string | null;
  createdAt: string;
  handledAt: string | null;
  handledBy: string | null;
  branchName: string | null;
  masterName: string | null;
  serviceName: string | null;
  visitAt: string | null;
  reachable: boolean;
}
interface PageData {
  seesItems: boolean;
  canChange: boolean;
  distribution: {
    counts: { score: number; ratings: Masked }[];
    ratings: Masked;
    average: number | null;
    withComment: Masked;
    unhandledLow: Masked;
  };
  inbox: { items: Item[]; total: number; offset: number; pageSize: number } | null;
  branches: { id: string; name: string }[];
  masters: { id: string; name: string; branchId: string }[];
  lowAtMost: number;
}

const api = new ApiClient();
const PAGE = 'feedback';
const FILTERS = ['branch', 'master', 'score', 'kind', 'state'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

const ReplyForm: React.FC<{
  item: Item;
  onSent: () => void;
}> = ({ item, onSent }) => {
  const { translateComponent: tc } = useTranslation();
  const say = useFieldMessage('Feedback');
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    try {
      await api.getPage({
        pageName: PAGE,
        method: 'post',
        data: { action: 'reply', kind: item.kind, id: item.id, text },
      });
      onSent();
    } catch (err) {
      setErrors(errorsOf(err) ?? { text: { key: 'failed' } });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box mt="default" data-testid={`reply-form-${item.id}`}>
      <TextArea
        name="reply"
        value={text}
        rows={3}
        style={{ width: '100%' }}
        placeholder={tc('Feedback.replyPlaceholder')}
        onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setText(e.target.value)}
      />
      {(errors.text || errors.id) && (
        <Text color="error" role="alert" data-testid="error-text">
          {say(errors.text ?? errors.id)}
        </Text>
      )}
      <Button size="sm" mt="sm" disabled={busy} onClick={send} data-testid="reply-send">
        {tc('Feedback.send')}
      </Button>
    </Box>
  );
};

/** The feedback inbox; analysts see the distribution of scores only. */
const FeedbackPage: React.FC = () => {
  const { translateComponent: tc } = useTranslation();
  const [data, setData] = useState<PageData | null>(null);
  const [failed, setFailed] = useState(false);
  const [filters, setFilters] = useState<Filters>({
    branch: '',
    master: '',
    score: '',
    kind: '',
    state: 'open',
  });
  const [offset, setOffset] = useState(0);
  const [replying, setReplying] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(() => {
    const params: Record<string, string> = {};
    for (const key of FILTERS) if (filters[key]) params[key] = filters[key];
    if (offset > 0) params.offset = String(offset);
    api.getPage<PageData>({ pageName: PAGE, params }).then(
      (r) => {
        setData(r.data);
        setFailed(false);
      },
      () => setFailed(true),
    );
  }, [filters, offset]);
  useEffect(load, [load]);

  const change = async (item: Item, action: 'handle' | 'reopen') => {
    try {
      await api.getPage({
        pageName: PAGE,
        method: 'post',
        data: { action, kind: item.kind, id: item.id },
      });
      load();
    } catch {
      setNotice(tc('Feedback.changeFailed'));
    }
  };

  const counts = data?.distribution.counts ?? [];
  const option = useMemo(
    () => ({
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      xAxis: { type: 'category' as const, data: counts.map((c) => String(c.score)) },
      yAxis: { type: 'value' as const, minInterval: 1 },
      tooltip: {},
      // A masked cell ("<5") is drawn as nothing: its size would give it away.
      series: [
        {
          type: 'bar' as const,
          name: tc('Feedback.ratings'),
          data: counts.map((c) => (typeof c.ratings === 'number' ? c.ratings : null)),
        },
      ],
    }),
    [counts, tc],
  );
  const set = (key: keyof Filters) => (value: string) => {
    setOffset(0);
    setFilters((f) => ({ ...f, [key]: value, ...(key === 'branch' ? { master: '' } : {}) }));
  };
  const any = { value: '', label: tc('Feedback.any') };
  const masters = (data?.masters ?? []).filter(
    (m) => !filters.branch || m.branchId === filters.branch,
  );

  return (
    <Box variant="grey" data-testid="feedback-page">
      <PrintStyle />
      <H2>{tc('Feedback.title')}</H2>
      {failed && <MessageBox variant="danger" message={tc('Feedback.loadFailed')} mb="lg" />}
      {notice && (
        <MessageBox
          variant="danger"
          message={notice}
          mb="lg"
          onCloseClick={() => setNotice(null)}
        />
      )}
      {!data && !failed && <Loader />}
      {data && (
        <>
          <Box flex flexWrap="wrap" className="no-print" style={{ gap: 12 }} mb="lg">
            <Box style={{ minWidth: 180 }}>
              <Text>{tc('Feedback.branch')}</Text>
              <Choice
                name="branch"
                value={filters.branch}
                onChange={set('branch')}
                options={[any, ...data.branches.map((b) => ({ value: b.id, label: b.name }))]}
              />
            </Box>
            <Box style={{ minWidth: 180 }}>
              <Text>{tc('Feedback.master')}</Text>
              <Choice
                name="master"
                value={filters.master}
                onChange={set('master')}
                options={[any, ...masters.map((m) => ({ value: m.id, label: m.name }))]}
              />
            </Box>
            {data.seesItems && (
              <>
                <Box style={{ minWidth: 120 }}>
                  <Text>{tc('Feedback.score')}</Text>
                  <Choice
                    name="score"
                    value={filters.score}
                    onChange={set('score')}
                    options={[
                      any,
                      ...[1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: String(n) })),
                    ]}
                  />
                </Box>
                <Box style={{ minWidth: 160 }}>
                  <Text>{tc('Feedback.kind')}</Text>
                  <Choice
                    name="kind"
                    value={filters.kind}
                    onChange={set('kind')}
                    options={[
                      any,
                      { value: 'rating', label: tc('Feedback.kinds.rating') },
                      { value: 'message', label: tc('Feedback.kinds.message') },
                    ]}
                  />
                </Box>
                <Box style={{ minWidth: 160 }}>
                  <Text>{tc('Feedback.state')}</Text>
                  <Choice
                    name="state"
                    value={filters.state}
                    onChange={set('state')}
                    options={[
                      { value: 'open', label: tc('Feedback.states.open') },
                      { value: 'handled', label: tc('Feedback.states.handled') },
                      { value: 'all', label: tc('Feedback.states.all') },
                    ]}
                  />
                </Box>
              </>
            )}
            <Box style={{ alignSelf: 'flex-end' }}>
              <Button size="sm" variant="outlined" onClick={() => window.print()}>
                {tc('Feedback.print')}
              </Button>
            </Box>
          </Box>

          <ChartBlock id="scores" title={tc('Feedback.distribution')}>
            <Chart id="scores" option={option} height={240} />
            <FigureTable
              id="scores"
              columns={[
                { key: 'score', label: tc('Feedback.score') },
                { key: 'ratings', label: tc('Feedback.ratings'), numeric: true },
              ]}
              rows={counts.map((c) => ({ key: c.score, score: c.score, ratings: c.ratings }))}
              empty={tc('Feedback.none')}
            />
            <Box flex style={{ gap: 24 }} mt="default" data-testid="feedback-summary">
              <Text>
                {tc('Feedback.total')}:{' '}
                <b data-figure="ratings">{String(data.distribution.ratings)}</b>
              </Text>
              <Text>
                {tc('Feedback.average')}:{' '}
                <b data-figure="average">{data.distribution.average ?? '—'}</b>
              </Text>
              <Text>
                {tc('Feedback.unhandledLow', { max: data.lowAtMost })}:{' '}
                <b data-figure="unhandledLow">{String(data.distribution.unhandledLow)}</b>
              </Text>
            </Box>
          </ChartBlock>

          {data.inbox && (
            <Box variant="card" data-testid="feedback-inbox">
              <Table>
                <TableHead>
                  <TableRow>
                    <TableCell>{tc('Feedback.when')}</TableCell>
                    <TableCell>{tc('Feedback.score')}</TableCell>
                    <TableCell>{tc('Feedback.text')}</TableCell>
                    <TableCell>{tc('Feedback.client')}</TableCell>
                    <TableCell>{tc('Feedback.visit')}</TableCell>
                    <TableCell>{tc('Feedback.state')}</TableCell>
                    <TableCell />
                  </TableRow>
                </TableHead>
                <TableBody>
                  {data.inbox.items.length === 0 && (
                    <TableRow>
                      <TableCell colSpan={7}>{tc('Feedback.none')}</TableCell>
                    </TableRow>
                  )}
                  {data.inbox.items.map((item) => (
                    <TableRow key={`${item.kind}-${item.id}`} data-item={item.id}>
                      <TableCell>{item.createdAt}</TableCell>
                      <TableCell>
                        {item.score === null ? (
                          <Badge>{tc('Feedback.kinds.message')}</Badge>
                        ) : (
                          <Badge variant={item.score <= data.lowAtMost ? 'danger' : 'primary'}>
                            {item.score}
                          </Badge>
                        )}
                      </TableCell>
                      <TableCell style={{ whiteSpace: 'pre-wrap', maxWidth: 360 }}>
                        {item.text ?? '—'}
                        {replying === item.id && (
                          <ReplyForm
                            item={item}
                            onSent={() => {
                              setReplying(null);
                              load();
                            }}
                          />
                        )}
                      </TableCell>
                      <TableCell>{item.clientName ?? '—'}</TableCell>
                      <TableCell>
                        {item.visitAt
                          ? [item.visitAt, item.serviceName, item.masterName, item.branchName]
                              .filter(Boolean)
                              .join(' · ')
                          : '—'}
                      </TableCell>
                      <TableCell data-state={item.handledAt ? 'handled' : 'open'}>
                        {item.handledAt
                          ? tc('Feedback.handledBy', {
                              who: item.handledBy ?? '—',
                              at: item.handledAt,
                            })
                          : tc('Feedback.states.open')}
                      </TableCell>
                      <TableCell className="no-print">
                        {data.canChange && (
                          <Box flex style={{ gap: 8 }}>
                            <Button
                              size="sm"
                              variant="outlined"
                              data-testid="toggle-handled"
                              onClick={() => change(item, item.handledAt ? 'reopen' : 'handle')}
                            >
                              {tc(item.handledAt ? 'Feedback.reopen' : 'Feedback.handle')}
                            </Button>
                            {item.reachable && (
                              <Button
                                size="sm"
                                data-testid="reply"
                                onClick={() => setReplying(replying === item.id ? null : item.id)}
                              >
                                {tc('Feedback.reply')}
                              </Button>
                            )}
                          </Box>
                        )}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              <Box flex mt="default" style={{ gap: 12 }} className="no-print">
                <Button
                  size="sm"
                  variant="text"
                  disabled={data.inbox.offset === 0}
                  onClick={() => setOffset(Math.max(0, offset - data.inbox!.pageSize))}
                >
                  {tc('Feedback.previous')}
                </Button>
                <Text data-testid="feedback-range">
                  {tc('Feedback.range', {
                    from: data.inbox.total === 0 ? 0 : data.inbox.offset + 1,
                    to: data.inbox.offset + data.inbox.items.length,
                    total: data.inbox.total,
                  })}
                </Text>
                <Button
                  size="sm"
                  variant="text"
                  disabled={data.inbox.offset + data.inbox.items.length >= data.inbox.total}
                  onClick={() => setOffset(offset + data.inbox!.pageSize)}
                >
                  {tc('Feedback.next')}
                </Button>
              </Box>
            </Box>
          )}
        </>
      )}
    </Box>
  );
};

export default FeedbackPage;
