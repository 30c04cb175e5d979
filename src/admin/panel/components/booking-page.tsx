import { Box, Button, H2, Input, Loader, MessageBox, Text } from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';
import React, { useEffect, useRef, useState } from 'react';
import { errorsOf, type FieldErrors } from './form-errors.js';
import { Choice, Field, useFieldMessage } from './page-fields.js';

/** What the page handler (pages/booking-page.ts) answers for a choice. */
interface Choices {
  branches: { id: string; name: string }[];
  services: { id: string; name: string; durationMin: number; price: string }[];
  masters: { id: string; name: string }[];
  choice: { branch: string; service: string; master: string; day: string };
  times: { at: number; label: string }[] | null;
}
interface Found {
  id: string;
  name: string;
  phone: string;
}

const api = new ApiClient();
const PAGE = 'booking';

/** Walk-in booking: branch, service, master and day, a free time, the client, confirm. */
const BookingPage: React.FC = () => {
  const { translateComponent: tc } = useTranslation();
  const message = useFieldMessage('Booking');
  const [data, setData] = useState<Choices | null>(null);
  const [failed, setFailed] = useState(false);
  const [at, setAt] = useState<number | null>(null);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found[] | null>(null);
  const [client, setClient] = useState<Found | null>(null);
  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  // What the desk has chosen; the handler answers what may be chosen next. A slower answer to
  // an older choice is dropped, so quick changes (service, then day) are never undone.
  const [wanted, setWanted] = useState<Partial<Choices['choice']>>({});
  const asked = useRef(0);
  useEffect(() => {
    const ticket = ++asked.current;
    setAt(null);
    api.getPage<Choices>({ pageName: PAGE, params: wanted }).then(
      (r) => {
        if (ticket !== asked.current) return;
        setData(r.data);
        setFailed(false);
      },
      (err) => {
        if (ticket !== asked.current) return;
        const bad = errorsOf(err);
        if (bad) setErrors(bad);
        else setFailed(true);
      },
    );
  }, [wanted]);

  const choose = (key: keyof Choices['choice'], value: string) => {
    setErrors({});
    setWanted((before) => {
      const next = { ...data?.choice, ...before, [key]: value };
      // A new branch or service changes what the later choices may be.
      if (key === 'branch') Object.assign(next, { service: '', master: '' });
      if (key === 'service') next.master = '';
      return next;
    });
  };

  const post = async <T,>(body: Record<string, unknown>): Promise<T | null> => {
    setBusy(true);
    setErrors({});
    try {
      return (await api.getPage<T>({ pageName: PAGE, method: 'post', data: body })).data;
    } catch (err) {
      const bad = errorsOf(err);
      setErrors(bad ?? { form: { key: 'failed' } });
      return null;
    } finally {
      setBusy(false);
    }
  };

  const search = async () => {
    const result = await post<{ clients: Found[] }>({ op: 'search', query });
    if (result) setFound(result.clients);
  };

  const book = async () => {
    if (!data) return;
    if (at === null) {
      setErrors({ at: { key: 'pickTime' } });
      return;
    }
    const { branch, service, master } = data.choice;
    const result = await post<{ booked: { id: string; href: string } }>({
      op: 'book',
      branch,
      service,
      master,
      at: String(at),
      ...(client ? { client: client.id } : { phone, name }),
    });
    if (result) window.location.assign(result.booked.href);
  };

  if (failed) return <MessageBox variant="danger" message={tc('PageForm.loadFailed')} />;
  if (!data) return <Loader />;
  const { choice } = data;
  return (
    <Box variant="container" data-testid="booking-page">
      <H2>{tc('Booking.title')}</H2>
      <Text mb="lg">{tc('Booking.lead')}</Text>
      {errors.form && <MessageBox variant="danger" message={message(errors.form)} mb="lg" />}
      {data.services.length === 0 && (
        <MessageBox variant="info" message={tc('Booking.nothing')} mb="lg" data-testid="nothing" />
      )}
      <Box flex flexWrap="wrap" style={{ gap: 16 }}>
        <Box style={{ minWidth: 200, flex: '1 1 200px' }}>
          <Field name="branch" label={tc('Booking.branch')} error={message(errors.branch)}>
            <Choice
              name="branch"
              value={choice.branch}
              options={data.branches.map((b) => ({ value: b.id, label: b.name }))}
              onChange={(v) => choose('branch', v)}
            />
          </Field>
        </Box>
        <Box style={{ minWidth: 240, flex: '2 1 240px' }}>
          <Field name="service" label={tc('Booking.service')} error={message(errors.service)}>
            <Choice
              name="service"
              value={choice.service}
              options={[
                { value: '', label: tc('Booking.pickService') },
                ...data.services.map((s) => ({
                  value: s.id,
                  label: tc('Booking.serviceLabel', {
                    name: s.name,
                    minutes: s.durationMin,
                    price: s.price,
                  }),
                })),
              ]}
              onChange={(v) => choose('service', v)}
            />
          </Field>
        </Box>
        <Box style={{ minWidth: 200, flex: '1 1 200px' }}>
          <Field name="master" label={tc('Booking.master')} error={message(errors.master)}>
            <Choice
              name="master"
              value={choice.master}
              options={[
                { value: '', label: tc('Booking.any') },
                ...data.masters.map((m) => ({ value: m.id, label: m.name })),
              ]}
              onChange={(v) => choose('master', v)}
            />
          </Field>
        </Box>
        <Box style={{ minWidth: 160, flex: '1 1 160px' }}>
          <Field name="day" label={tc('Booking.day')} error={message(errors.day)}>
            <Input
              id="field-day"
              type="date"
              name="day"
              value={choice.day}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => choose('day', e.target.value)}
              style={{ width: '100%' }}
            />
          </Field>
        </Box>
      </Box>

      {data.times !== null && (
        <Box mt="lg" data-testid="free-times">
          <Field name="at" label={tc('Booking.times')} error={message(errors.at)}>
            {data.times.length === 0 ? (
              <Text>{tc('Booking.none')}</Text>
            ) : (
              <Box flex flexWrap="wrap" style={{ gap: 8 }}>
                {data.times.map((t) => (
                  <Button
                    key={t.at}
                    type="button"
                    size="sm"
                    data-testid="time"
                    aria-pressed={at === t.at}
                    variant={at === t.at ? 'contained' : 'outlined'}
                    onClick={() => setAt(t.at)}
                  >
                    {t.label}
                  </Button>
                ))}
              </Box>
            )}
          </Field>
        </Box>
      )}

      {data.times !== null && data.times.length > 0 && (
        <Box mt="lg">
          <Field name="client" label={tc('Booking.findClient')} error={message(errors.client)}>
            <Box flex style={{ gap: 8 }}>
              <Input
                id="field-client"
                name="query"
                value={query}
                maxLength={100}
                autoComplete="off"
                placeholder={tc('Booking.findHint')}
                onChange={(e: React.ChangeEvent<HTMLInputElement>) => setQuery(e.target.value)}
                onKeyDown={(e: React.KeyboardEvent) => {
                  if (e.key === 'Enter') search();
                }}
                style={{ flex: 1 }}
              />
              <Button type="button" onClick={search} disabled={busy} data-testid="find-client">
                {tc('Booking.find')}
              </Button>
            </Box>
          </Field>
          {errors.query && <Text color="error">{message(errors.query)}</Text>}
          {found && found.length === 0 && <Text mb="default">{tc('Booking.nobody')}</Text>}
          {found && found.length > 0 && (
            <Box flex flexWrap="wrap" mb="default" style={{ gap: 8 }}>
              {found.map((c) => (
                <Button
                  key={c.id}
                  type="button"
                  size="sm"
                  data-testid="found-client"
                  variant={client?.id === c.id ? 'contained' : 'outlined'}
                  onClick={() => setClient(client?.id === c.id ? null : c)}
                >
                  {c.name} · {c.phone}
                </Button>
              ))}
            </Box>
          )}
          {client ? (
            <MessageBox
              variant="info"
              mb="default"
              message={tc('Booking.chosen', { name: client.name })}
              onCloseClick={() => setClient(null)}
            />
          ) : (
            <Box flex flexWrap="wrap" style={{ gap: 16 }}>
              <Box style={{ minWidth: 220, flex: '1 1 220px' }}>
                <Field name="phone" label={tc('Booking.phone')} error={message(errors.phone)}>
                  <Input
                    id="field-phone"
                    name="phone"
                    value={phone}
                    maxLength={40}
                    autoComplete="off"
                    onChange={(e: React.ChangeEvent<HTMLInputElement>) => setPhone(e.target.value)}
                    style={{ width: '100%' }}
                  />
                </Field>
              </Box>
              <Box style={{ minWidth: 220, flex: '1 1 220px' }}>
                <Field name="name" label={tc('Booking.name')} error={message(errors.name)}>
                  <Input
                    id="field-name"
                    name="name"
                    value={name}
                    maxLength={200}
                    autoComplete="off"
                    onChange={(e: React.ChangeEvent<HTMLInputElement>) => setName(e.target.value)}
                    style={{ width: '100%' }}
                  />
                </Field>
              </Box>
            </Box>
          )}
          <Button variant="contained" onClick={book} disabled={busy} data-testid="book">
            {tc('Booking.book')}
          </Button>
        </Box>
      )}
    </Box>
  );
};

export default BookingPage;
