import {
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
} from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';
import React, { useEffect, useState } from 'react';

/** What the page handler (src/admin/backups-page.ts) answers. */
interface BackupRow {
  name: string;
  size: number;
  createdAt: string;
  href: string;
}
interface PageData {
  backups: BackupRow[];
  created?: string;
}

const api = new ApiClient();

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Owners: the archives in BACKUP_DIR, a download link for each, and "back up now". */
const Backups: React.FC = () => {
  const { translateComponent: tc, i18n } = useTranslation();
  const [data, setData] = useState<PageData | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<'loadFailed' | 'failed' | null>(null);

  useEffect(() => {
    api.getPage<PageData>({ pageName: 'backups' }).then(
      (response) => setData(response.data),
      () => setError('loadFailed'),
    );
  }, []);

  const backUpNow = async () => {
    setBusy(true);
    setError(null);
    try {
      const response = await api.getPage<PageData>({
        pageName: 'backups',
        method: 'post',
        data: {},
      });
      setData(response.data);
    } catch {
      setError('failed');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box variant="container" data-testid="backups-page">
      <Box flex justifyContent="space-between" alignItems="center" mb="lg">
        <H2 mb={0}>{tc('Backups.title')}</H2>
        <Button variant="contained" onClick={backUpNow} disabled={busy} data-testid="back-up-now">
          {busy ? tc('Backups.running') : tc('Backups.backUpNow')}
        </Button>
      </Box>
      <Text mb="lg">{tc('Backups.explain')}</Text>
      {error && <MessageBox variant="danger" message={tc(`Backups.${error}`)} mb="lg" />}
      {data?.created && (
        <MessageBox
          variant="success"
          message={tc('Backups.created', { name: data.created })}
          mb="lg"
        />
      )}
      {!data && !error && <Loader />}
      {data && data.backups.length === 0 && <Text>{tc('Backups.none')}</Text>}
      {data && data.backups.length > 0 && (
        <Table>
          <TableHead>
            <TableRow>
              <TableCell>{tc('Backups.name')}</TableCell>
              <TableCell>{tc('Backups.time')}</TableCell>
              <TableCell>{tc('Backups.size')}</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {data.backups.map((b) => (
              <TableRow key={b.name} data-testid="backup-row">
                <TableCell>{b.name}</TableCell>
                <TableCell>{new Date(b.createdAt).toLocaleString(i18n.language)}</TableCell>
                <TableCell>{formatSize(b.size)}</TableCell>
                <TableCell>
                  <a href={b.href} download={b.name}>
                    {tc('Backups.download')}
                  </a>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
};

export default Backups;
