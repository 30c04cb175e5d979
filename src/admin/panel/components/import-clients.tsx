import {
  Box,
  Button,
  H2,
  Label,
  MessageBox,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
} from '@adminjs/design-system';
import { ApiClient, useTranslation, ViewHelpers } from 'adminjs';
import React, { useRef, useState } from 'react';
import { refusalOf } from './form-errors.js';
import { useFieldMessage } from './page-fields.js';

/** What the import action and the upload answer (src/admin/panel/actions/import-action.ts). */
interface RowError {
  line: number;
  field: string;
  code: string;
}
interface Job {
  id: string;
  dryRun: boolean;
  state: 'running' | 'done' | 'failed';
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: RowError[];
  fatal: RowError | null;
  error: string | null;
}

const FIELDS = ['phone', 'name', 'birthday', 'notes', 'allergies', 'tags'] as const;
const COUNTS = ['rows', 'created', 'updated', 'unchanged', 'failed'] as const;
const POLL_MS = 500;
const api = new ApiClient();
/** The upload route (a plain stream route of the panel, IMPORT_UPLOAD_PATH on the server). */
const uploadUrl = (query: URLSearchParams) =>
  new ViewHelpers().urlBuilder(['import', 'run'], `?${query}`);

/** The header line's column names, read from the first 64 KiB of the file in the browser. */
async function headerOf(file: File): Promise<string[]> {
  const head = await file.slice(0, 64 * 1024).text();
  const line = (head.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '').trim();
  const count = (d: string) => line.split(d).length - 1;
  const delimiter = [';', '\t', ','].reduce((best, d) => (count(d) > count(best) ? d : best), ',');
  return line
    .split(delimiter)
    .map((h) => h.trim().replace(/^"|"$/g, ''))
    .filter(Boolean)
    .slice(0, 100);
}

/**
 * Import clients from CSV: choose the file, map its columns (or leave them to the header's
 * names), check it (a dry run: nothing written) and import. The upload streams to the server;
 * meanwhile the page polls the job, a database row any web process can answer for.
 */
const ImportClients: React.FC = () => {
  const { translateComponent: tc } = useTranslation();
  const t = (key: string, options?: Record<string, unknown>) => tc(`ImportClients.${key}`, options);
  const message = useFieldMessage('ImportClients');
  const fileInput = useRef<HTMLInputElement>(null);
  const [columns, setColumns] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [job, setJob] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const chosen = async () => {
    const file = fileInput.current?.files?.[0];
    setJob(null);
    setProblem(null);
    setMapping({});
    setColumns(file ? await headerOf(file) : []);
  };

  const poll = async (id: string, until: { done: boolean }) => {
    while (!until.done) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (until.done) return;
      const response = await api
        .resourceAction({ resourceId: 'Client', actionName: 'import', params: { job: id } })
        .catch(() => null);
      const polled = (response?.data as { job?: Job } | undefined)?.job;
      if (polled && !until.done) setJob(polled);
    }
  };

  const go = async (dry: boolean) => {
    const file = fileInput.current?.files?.[0];
    setProblem(null);
    setJob(null);
    if (!file) {
      setProblem(t('noFile'));
      return;
    }
    const id = crypto.randomUUID();
    const query = new URLSearchParams({ id, dry: dry ? '1' : '0' });
    for (const [field, column] of Object.entries(mapping)) if (column) query.set(field, column);
    setBusy(true);
    const until = { done: false };
    void poll(id, until);
    try {
      const response = await fetch(uploadUrl(query), {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: file,
      });
      const answer = (await response.json().catch(() => ({}))) as Job & { error?: string };
      until.done = true;
      if (response.ok) setJob(answer);
      else {
        // A bad mapping or file is named with its field, in the panel's words.
        const [field, error] = Object.entries(refusalOf(answer)?.fields ?? {})[0] ?? [];
        const reason = field && error ? `${fieldName(field)}: ${message(error)}` : answer.error;
        setProblem(t('failed', { reason: reason ?? response.status }));
      }
    } catch {
      until.done = true;
      setProblem(t('failed', { reason: 'network' }));
    } finally {
      setBusy(false);
    }
  };

  const fieldName = (field: string) => (field === 'file' ? t('file') : t(`fields.${field}`));
  const codeText = (code: string) => t(`codes.${code}`, { defaultValue: code });

  return (
    <Box variant="card" data-testid="import-clients">
      <H2>{t('title')}</H2>
      <Text mb="lg">{t('lead')}</Text>
      <Box mb="lg">
        <Label htmlFor="import-file">{t('file')}</Label>
        <input
          id="import-file"
          type="file"
          accept=".csv,text/csv"
          ref={fileInput}
          onChange={chosen}
        />
      </Box>
      <Label>{t('mapping')}</Label>
      <Box flex flexDirection="row" flexWrap="wrap" mb="lg" style={{ gap: 16 }}>
        {FIELDS.map((field) => (
          <Box key={field}>
            <Label htmlFor={`map-${field}`}>{t(`fields.${field}`)}</Label>
            <select
              id={`map-${field}`}
              name={field}
              value={mapping[field] ?? ''}
              onChange={(e) => setMapping({ ...mapping, [field]: e.target.value })}
              style={{ padding: 6, minWidth: 160 }}
            >
              <option value="">{t('byHeader')}</option>
              {columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </Box>
        ))}
      </Box>
      <Box flex flexDirection="row" style={{ gap: 12 }} mb="lg">
        <Button
          type="button"
          variant="outlined"
          disabled={busy}
          onClick={() => go(true)}
          data-testid="import-check"
        >
          {t('check')}
        </Button>
        <Button
          type="button"
          variant="contained"
          disabled={busy}
          onClick={() => go(false)}
          data-testid="import-run"
        >
          {t('run')}
        </Button>
      </Box>
      {problem && <MessageBox variant="danger" message={problem} mb="lg" />}
      <Box data-testid="import-progress" role="status" mb="lg">
        {job && busy && <Text>{t('progress', { rows: job.rows })}</Text>}
      </Box>
      {job && !busy && (
        <Box data-testid="import-report">
          <MessageBox
            variant={job.state === 'failed' ? 'danger' : 'success'}
            message={job.state === 'failed' ? t('interrupted') : job.dryRun ? t('dry') : t('done')}
            mb="lg"
          />
          <Box flex flexDirection="row" style={{ gap: 24 }} mb="lg" data-testid="import-counts">
            {COUNTS.map((k) => (
              <Text key={k}>{t(`counts.${k}`, { n: job[k] })}</Text>
            ))}
          </Box>
          {job.fatal && (
            <MessageBox
              variant="danger"
              mb="lg"
              message={t('fatal', {
                line: job.fatal.line,
                problem: codeText(job.fatal.code),
                field: fieldName(job.fatal.field),
              })}
            />
          )}
          {job.failed > job.errors.length && <Text mb="lg">{t('more', { n: job.failed })}</Text>}
          {job.errors.length > 0 && (
            <Table data-testid="import-errors">
              <TableHead>
                <TableRow>
                  <TableCell>{t('table.line')}</TableCell>
                  <TableCell>{t('table.field')}</TableCell>
                  <TableCell>{t('table.problem')}</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {job.errors.map((e) => (
                  <TableRow key={`${e.line}-${e.field}`}>
                    <TableCell>{e.line}</TableCell>
                    <TableCell>{fieldName(e.field)}</TableCell>
                    <TableCell>{codeText(e.code)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </Box>
      )}
    </Box>
  );
};

export default ImportClients;
