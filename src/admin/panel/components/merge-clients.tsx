import {
  Box,
  Button,
  Input,
  Label,
  MessageBox,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
} from '@adminjs/design-system';
import {
  type ActionProps,
  ApiClient,
  type RecordActionResponse,
  useActionResponseHandler,
  useTranslation,
} from 'adminjs';
import React, { useState } from 'react';
import { refusalOf } from './form-errors.js';

/** What the merge action answers (src/admin/panel/actions/client-actions.ts). */
interface Candidate {
  id: string;
  name: string;
  phone: string;
  birthday: string;
}
interface Preview {
  with: string;
  rows: { field: string; kept: string; other: string; result: string }[];
}
interface Answer {
  candidates?: Candidate[];
  preview?: Preview;
}
type Problem = { message: string; options?: object };

/** What to say of a refused call: its notice, else its first bad field's message. */
function problemOf(err: unknown): Problem {
  const refusal = refusalOf(err);
  const field = Object.values(refusal?.fields ?? {}).find((f) => f.message);
  return (
    refusal?.notice ??
    (field ? { message: field.key, options: field.params } : { message: 'MergeClients.gone' })
  );
}

const MAX_QUERY = 100;

/**
 * Merging a duplicate into this card: find it (phone, card number or name), see both cards and
 * the result side by side, confirm. This card stays; the duplicate's history moves to it.
 */
const MergeClients: React.FC<ActionProps> = ({ record, resource, action }) => {
  const { translateComponent: tc, translateMessage: tm } = useTranslation();
  const t = (key: string, options?: object) => tc(`MergeClients.${key}`, options);
  const onResponse = useActionResponseHandler(undefined);
  const [query, setQuery] = useState('');
  const [candidates, setCandidates] = useState<Candidate[] | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  if (!record) return null;
  const api = new ApiClient();
  const target = { resourceId: resource.id, recordId: String(record.id), actionName: action.name };

  const ask = async (params: Record<string, string>): Promise<Answer | null> => {
    setProblem(null);
    try {
      return (await api.recordAction({ ...target, params })).data as unknown as Answer;
    } catch (err) {
      setProblem(problemOf(err));
      return null;
    }
  };
  const find = async (event: React.FormEvent) => {
    event.preventDefault();
    setPreview(null);
    const answer = await ask({ q: query.trim().slice(0, MAX_QUERY) });
    setCandidates(answer?.candidates ?? []);
  };
  const choose = async (id: string) => {
    const answer = await ask({ with: id });
    setPreview(answer?.preview ?? null);
  };
  const merge = async () => {
    if (!preview) return;
    setBusy(true);
    setProblem(null);
    try {
      const response = await api.recordAction({ ...target, data: { with: preview.with } });
      onResponse(response as { data: RecordActionResponse } as never);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box variant="card" data-testid="merge-clients">
      <Text mb="lg" fontWeight="bold">
        {record.title}
      </Text>
      <Text mb="lg">{t('lead')}</Text>
      <form onSubmit={find}>
        <Label htmlFor="merge-query">{t('query')}</Label>
        <Box flex flexDirection="row" style={{ gap: 12 }} mb="lg">
          <Input
            id="merge-query"
            name="q"
            maxLength={MAX_QUERY}
            autoComplete="off"
            value={query}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setQuery(e.target.value)}
          />
          <Button type="submit" variant="outlined">
            {t('find')}
          </Button>
        </Box>
      </form>
      {problem && (
        <MessageBox
          variant="danger"
          mb="lg"
          message={tm(problem.message, resource.id, problem.options)}
        />
      )}
      {candidates && candidates.length === 0 && <Text mb="lg">{t('none')}</Text>}
      {candidates && candidates.length > 0 && (
        <Table mb="xl" data-testid="merge-candidates">
          <TableBody>
            {candidates.map((c) => (
              <TableRow key={c.id}>
                <TableCell>{c.name}</TableCell>
                <TableCell>{c.phone}</TableCell>
                <TableCell>{c.birthday}</TableCell>
                <TableCell>
                  <Button type="button" size="sm" variant="text" onClick={() => choose(c.id)}>
                    {t('choose')}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {preview && (
        <>
          <Table mb="xl" data-testid="merge-preview">
            <TableHead>
              <TableRow>
                <TableCell />
                <TableCell>{t('keep')}</TableCell>
                <TableCell>{t('other')}</TableCell>
                <TableCell>{t('result')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {preview.rows.map((row) => (
                <TableRow key={row.field}>
                  <TableCell>{t(`fields.${row.field}`)}</TableCell>
                  <TableCell style={{ whiteSpace: 'pre-wrap' }}>{row.kept}</TableCell>
                  <TableCell style={{ whiteSpace: 'pre-wrap' }}>{row.other}</TableCell>
                  <TableCell style={{ whiteSpace: 'pre-wrap' }}>{row.result}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <MessageBox variant="danger" mb="lg" message={t('warning')} />
          <Button type="button" variant="danger" disabled={busy} onClick={merge}>
            {t('merge')}
          </Button>
        </>
      )}
    </Box>
  );
};

export default MergeClients;
