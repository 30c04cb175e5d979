import {
  Box,
  Button,
  Input,
  MessageBox,
  Table,
  TableBody,
  TableCell,
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
import { type Refusal, refusalOf } from './form-errors.js';
import { Field, useFieldMessage } from './page-fields.js';

const MAX_INPUT = 30;

/**
 * "Visit done" with what the client was promised (the record's `promised.*` params, filled in by
 * the action's handler) and a form to correct the amount paid and spend points. A refusal keeps
 * what was typed and says what is wrong on the field.
 */
const CompleteVisit: React.FC<ActionProps> = ({ record, resource, action }) => {
  const { translateComponent: tc, translateMessage: tm } = useTranslation();
  const t = (key: string, options?: object) => tc(`CompleteVisit.${key}`, options);
  const message = useFieldMessage('CompleteVisit');
  const onResponse = useActionResponseHandler(undefined);
  const [amount, setAmount] = useState('');
  const [points, setPoints] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  if (!record) return null;
  const p = record.params;
  const rows: [string, string][] = [
    ['price', String(p['promised.price'] ?? '')],
    ['discount', `${p['promised.discountPct'] ?? 0} %`],
    ['coupon', String(p['promised.coupon'] || t('none'))],
    ['due', String(p['promised.due'] ?? '')],
    ['balance', String(p['promised.pointsBalance'] ?? 0)],
    ['spendable', String(p['promised.spendablePoints'] ?? 0)],
  ];
  const open = p['promised.open'] === true || p['promised.open'] === 'true';

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setRefusal(null);
    try {
      const response = await new ApiClient().recordAction({
        resourceId: resource.id,
        recordId: String(record.id),
        actionName: action.name,
        data: { amount, points },
      });
      onResponse(response as { data: RecordActionResponse } as never);
    } catch (err) {
      setRefusal(refusalOf(err) ?? { fields: {}, notice: { message: 'CompleteVisit.failed' } });
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: 'amount' | 'points') => message(refusal?.fields[field]);
  const fieldless = Object.keys(refusal?.fields ?? {}).length === 0;
  const general = refusal?.notice && fieldless ? refusal.notice : null;

  return (
    <Box variant="card" data-testid="complete-visit">
      <Text mb="lg" fontWeight="bold">
        {record.title}
      </Text>
      <Text mb="md">{t('promised')}</Text>
      <Table mb="xl" data-testid="promised">
        <TableBody>
          {rows.map(([key, value]) => (
            <TableRow key={key}>
              <TableCell>{t(key)}</TableCell>
              <TableCell fontWeight="bold">{value}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {general && (
        <MessageBox
          variant="danger"
          mb="lg"
          message={tm(general.message, resource.id, general.options)}
        />
      )}
      {!open && (
        <MessageBox variant="info" mb="lg" message={tm('CompleteVisit.closed', resource.id)} />
      )}
      {open && (
        <form onSubmit={submit}>
          <Field
            name="amount"
            label={t('amount')}
            error={fieldError('amount')}
            hint={t('amountHint')}
          >
            <Input
              id="field-amount"
              name="amount"
              inputMode="decimal"
              autoComplete="off"
              maxLength={MAX_INPUT}
              placeholder={String(p['promised.due'] ?? '')}
              value={amount}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setAmount(e.target.value)}
            />
          </Field>
          <Field name="points" label={t('points')} error={fieldError('points')}>
            <Input
              id="field-points"
              name="points"
              inputMode="numeric"
              autoComplete="off"
              maxLength={MAX_INPUT}
              placeholder="0"
              value={points}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setPoints(e.target.value)}
            />
          </Field>
          <Button type="submit" variant="contained" disabled={busy}>
            {t('save')}
          </Button>
        </form>
      )}
    </Box>
  );
};

export default CompleteVisit;
