import {
  Box,
  Button,
  H2,
  H4,
  Input,
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
import { errorsOf, type FieldErrors } from './form-errors.js';
import { Field, useFieldMessage } from './page-fields.js';

/** The form as the handler (pages/loyalty-form.ts) reads it: every value as typed. */
/** Rows carry a key of the page's own (`uid`, ignored by the handler) so removing one keeps the others. */
interface Form {
  referral: { friends: string; percent: string; uid?: number }[];
  secondLevelWeight: string;
  referralCapPercent: string;
  levels: { name: string; minSpend: string; minVisits: string; percent: string; uid?: number }[];
  levelWindowDays: string;
  globalCapPercent: string;
  points: { earnPercent: string; maxSharePercent: string };
}
interface PageData {
  form: Form;
  editable: boolean;
  history: { version: number; by: string | null; at: string }[];
  saved?: number;
}

const api = new ApiClient();
const PAGE = 'loyalty';
const MAX_ROWS = { referral: 20, levels: 10 };
let nextUid = 1;
const keyed = (f: Form): Form => ({
  ...f,
  referral: f.referral.map((r) => ({ ...r, uid: nextUid++ })),
  levels: f.levels.map((l) => ({ ...l, uid: nextUid++ })),
});

/** Rules, levels and points in one form; saving makes a new version. */
const LoyaltyPage: React.FC = () => {
  const { translateComponent: tc } = useTranslation();
  const message = useFieldMessage('Loyalty');
  const [data, setData] = useState<PageData | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.getPage<PageData>({ pageName: PAGE }).then(
      (r) => {
        setData(r.data);
        setForm(keyed(r.data.form));
      },
      () => setFailed(true),
    );
  }, []);

  if (failed) return <MessageBox variant="danger" message={tc('PageForm.loadFailed')} />;
  if (!data || !form) return <Loader />;
  const ro = !data.editable;

  const update = (change: (f: Form) => Form) => setForm(change(structuredClone(form)));
  const save = async () => {
    setBusy(true);
    setErrors({});
    try {
      const r = await api.getPage<PageData>({ pageName: PAGE, method: 'post', data: form });
      setData(r.data);
      setForm(keyed(r.data.form));
    } catch (err) {
      setErrors(errorsOf(err) ?? { rules: { key: 'failed' } });
      setData({ ...data, saved: undefined });
    } finally {
      setBusy(false);
    }
  };

  /** One input of the form, by its path in the form and the handler's errors. */
  const input = (path: string, label: string, value: string, set: (v: string) => void) => (
    <Box style={{ minWidth: 140, flex: '1 1 140px', maxWidth: 280 }}>
      <Field name={path} label={label} error={message(errors[path])}>
        <Input
          id={`field-${path}`}
          name={path}
          value={value}
          readOnly={ro}
          aria-invalid={errors[path] ? true : undefined}
          onChange={(e: React.ChangeEvent<HTMLInputElement>) => set(e.target.value)}
          style={{ width: '100%' }}
        />
      </Field>
    </Box>
  );
  const removeButton = (onClick: () => void, testId: string) =>
    ro ? null : (
      <Button type="button" size="sm" variant="text" data-testid={testId} onClick={onClick}>
        {tc('Loyalty.remove')}
      </Button>
    );
  const hasErrors = Object.keys(errors).length > 0;
  const saveButton = ro ? null : (
    <Button variant="contained" onClick={save} disabled={busy} data-testid="save-rules">
      {tc('Loyalty.save')}
    </Button>
  );

  return (
    <Box variant="container" data-testid="loyalty-page">
      <H2>{tc('Loyalty.title')}</H2>
      <Text mb="lg">{tc('Loyalty.lead')}</Text>
      {ro && <MessageBox variant="info" message={tc('Loyalty.readOnly')} mb="lg" />}
      {data.saved !== undefined && !hasErrors && (
        <MessageBox
          variant="success"
          data-testid="saved"
          message={tc('Loyalty.saved', { version: data.saved })}
          mb="lg"
        />
      )}
      {hasErrors && (
        <MessageBox
          variant="danger"
          data-testid="not-saved"
          message={
            errors.rules
              ? `${tc('Loyalty.errorsLead')} ${message(errors.rules)}`
              : tc('Loyalty.errorsLead')
          }
          mb="lg"
        />
      )}

      <Box variant="card" mb="lg" data-testid="referral">
        <H4>{tc('Loyalty.referral')}</H4>
        {errors.referral && (
          <Text color="error" role="alert" data-testid="error-referral">
            {message(errors.referral)}
          </Text>
        )}
        {form.referral.map((r, i) => (
          <Box
            key={r.uid}
            flex
            flexWrap="wrap"
            alignItems="flex-end"
            data-row={`referral-${i}`}
            style={{ gap: 16 }}
          >
            {input(`referral.${i}.friends`, tc('Loyalty.friends'), r.friends, (v) =>
              update((f) => {
                f.referral[i] = { ...r, friends: v };
                return f;
              }),
            )}
            {input(`referral.${i}.percent`, tc('Loyalty.percent'), r.percent, (v) =>
              update((f) => {
                f.referral[i] = { ...r, percent: v };
                return f;
              }),
            )}
            {removeButton(
              () =>
                update((f) => {
                  f.referral.splice(i, 1);
                  return f;
                }),
              `remove-referral-${i}`,
            )}
          </Box>
        ))}
        {!ro && form.referral.length < MAX_ROWS.referral && (
          <Button
            type="button"
            size="sm"
            variant="outlined"
            mb="default"
            data-testid="add-referral"
            onClick={() =>
              update((f) => {
                f.referral.push({ friends: '', percent: '', uid: nextUid++ });
                return f;
              })
            }
          >
            {tc('Loyalty.addStep')}
          </Button>
        )}
        <Box flex flexWrap="wrap" style={{ gap: 16 }}>
          {input(
            'secondLevelWeight',
            tc('Loyalty.secondLevelWeight'),
            form.secondLevelWeight,
            (v) => update((f) => ({ ...f, secondLevelWeight: v })),
          )}
          {input(
            'referralCapPercent',
            tc('Loyalty.referralCapPercent'),
            form.referralCapPercent,
            (v) => update((f) => ({ ...f, referralCapPercent: v })),
          )}
        </Box>
      </Box>

      <Box variant="card" mb="lg" data-testid="levels">
        <H4>{tc('Loyalty.levels')}</H4>
        {errors.levels && (
          <Text color="error" role="alert" data-testid="error-levels">
            {message(errors.levels)}
          </Text>
        )}
        {form.levels.map((l, i) => (
          <Box
            key={l.uid}
            flex
            flexWrap="wrap"
            alignItems="flex-end"
            data-row={`level-${i}`}
            style={{ gap: 16 }}
          >
            {(['name', 'minSpend', 'minVisits', 'percent'] as const).map((k) =>
              input(`levels.${i}.${k}`, tc(`Loyalty.${k}`), l[k], (v) =>
                update((f) => {
                  f.levels[i] = { ...l, [k]: v };
                  return f;
                }),
              ),
            )}
            {removeButton(
              () =>
                update((f) => {
                  f.levels.splice(i, 1);
                  return f;
                }),
              `remove-level-${i}`,
            )}
          </Box>
        ))}
        {!ro && form.levels.length < MAX_ROWS.levels && (
          <Button
            type="button"
            size="sm"
            variant="outlined"
            mb="default"
            data-testid="add-level"
            onClick={() =>
              update((f) => {
                f.levels.push({
                  name: '',
                  minSpend: '0',
                  minVisits: '0',
                  percent: '',
                  uid: nextUid++,
                });
                return f;
              })
            }
          >
            {tc('Loyalty.addLevel')}
          </Button>
        )}
        <Box flex flexWrap="wrap" style={{ gap: 16 }}>
          {input('levelWindowDays', tc('Loyalty.levelWindowDays'), form.levelWindowDays, (v) =>
            update((f) => ({ ...f, levelWindowDays: v })),
          )}
        </Box>
      </Box>

      <Box variant="card" mb="lg">
        <H4>{tc('Loyalty.points')}</H4>
        <Box flex flexWrap="wrap" style={{ gap: 16 }}>
          {input('points.earnPercent', tc('Loyalty.earnPercent'), form.points.earnPercent, (v) =>
            update((f) => ({ ...f, points: { ...f.points, earnPercent: v } })),
          )}
          {input(
            'points.maxSharePercent',
            tc('Loyalty.maxSharePercent'),
            form.points.maxSharePercent,
            (v) => update((f) => ({ ...f, points: { ...f.points, maxSharePercent: v } })),
          )}
          {input('globalCapPercent', tc('Loyalty.globalCapPercent'), form.globalCapPercent, (v) =>
            update((f) => ({ ...f, globalCapPercent: v })),
          )}
        </Box>
      </Box>
      {saveButton}

      <H4 mt="xl">{tc('Loyalty.history')}</H4>
      {data.history.length === 0 ? (
        <Text>{tc('Loyalty.defaults')}</Text>
      ) : (
        <Table data-testid="history">
          <TableHead>
            <TableRow>
              <TableCell>{tc('Loyalty.version')}</TableCell>
              <TableCell>{tc('Loyalty.who')}</TableCell>
              <TableCell>{tc('Loyalty.when')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {data.history.map((h) => (
              <TableRow key={h.version} data-testid="history-row">
                <TableCell>{h.version}</TableCell>
                <TableCell>{h.by ?? tc('Loyalty.system')}</TableCell>
                <TableCell>{h.at}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
};

export default LoyaltyPage;
