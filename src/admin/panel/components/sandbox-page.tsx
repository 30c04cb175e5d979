import {
  Box,
  Button,
  FormGroup,
  FormMessage,
  H2,
  H5,
  Input,
  Label,
  Loader,
  MessageBox,
  Text,
  TextArea,
} from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { refusalOf } from './form-errors.js';
import { Choice } from './page-fields.js';
import { Bubble, type ChatLine, type ReplyMarkup } from './sandbox-message.js';

/** What the page handler (pages/sandbox-page.ts) answers. */
interface PageData {
  api: string;
  language: 'ru' | 'en';
}
interface Persona {
  id: string;
  kind: 'client' | 'master';
  name: string;
  language: 'ru' | 'en';
}
/** GET <api>/state (src/sandbox/sandbox-routes.ts). */
interface SandboxState {
  personas: Persona[];
  referrers: { name: string; code: string }[];
  staff: { id: string; name: string }[];
  sources: { name: string; code: string }[];
}
type Kind = 'client' | 'ref' | 'src' | 'master';
type Result<T> = { ok: boolean; status: number; data: T | null };

const adminApi = new ApiClient();
const EMPTY: SandboxState = { personas: [], referrers: [], staff: [], sources: [] };
/** How long the chat waits after a failed poll before asking again. */
const RETRY_MS = 2000;

/**
 * Why a call was refused, in the panel's words: a bad field as the request schema names it
 * (form-errors.ts), the sandbox's own code, or what the status means.
 */
function useRefusalText(): (result: Result<{ error?: string }>) => string {
  const { translateComponent: tc, translateMessage: tm } = useTranslation();
  return useCallback(
    (result) => {
      const [field, bad] = Object.entries(refusalOf(result.data)?.fields ?? {})[0] ?? [];
      if (field && bad?.message) return `${field}: ${tm(bad.key, undefined, bad.params)}`;
      const code = result.data?.error;
      const own = code ? tc(`Sandbox.errors.${code}`, { defaultValue: '' }) : '';
      if (own) return own;
      if (result.status === 403) return tc('Sandbox.errors.forbidden');
      if (result.status === 413) return tc('Sandbox.errors.tooLarge');
      return tc('Sandbox.errors.failed');
    },
    [tc, tm],
  );
}

/** The sandbox's JSON API: same-origin calls with the panel's session cookie. */
async function call<T>(method: 'GET' | 'POST', url: string, body?: object): Promise<Result<T>> {
  const response = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : null,
    credentials: 'same-origin',
  });
  const data = (await response.json().catch(() => null)) as T | null;
  return { ok: response.ok, status: response.status, data };
}

/** Lines merged into the chat: an edited message replaces its line, a deleted one goes. */
function merged(lines: ChatLine[], incoming: ChatLine[]): ChatLine[] {
  const out = [...lines];
  for (const line of incoming) {
    const at = line.messageId === null ? -1 : out.findIndex((l) => l.messageId === line.messageId);
    if (line.deleted) {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = line;
    else out.push(line);
  }
  return out;
}

type ReplyButton = { text: string; request_contact?: boolean };

/** One persona's chat: its lines (followed by a long poll), reply keyboard, contact and composer. */
const Chat: React.FC<{ api: string; persona: Persona; language: string }> = ({
  api,
  persona,
  language,
}) => {
  const { translateComponent: tc } = useTranslation();
  const [lines, setLines] = useState<ChatLine[]>([]);
  const [keyboard, setKeyboard] = useState<ReplyButton[][] | null>(null);
  const [contactLabel, setContactLabel] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [phone, setPhone] = useState('');
  const [error, setError] = useState('');
  const list = useRef<HTMLDivElement>(null);
  // The poll below lives as long as the persona is open; it reads the texts of the moment.
  const texts = useRef(tc);
  texts.current = tc;
  const base = `${api}/personas/${persona.id}`;

  const errorText = useRefusalText();

  useEffect(() => {
    const stop = new AbortController();
    let lastId = 0n;
    let keyboardFrom = 0n;
    setLines([]);
    setKeyboard(null);
    setContactLabel(null);
    setError('');
    const follow = async () => {
      let wait = '0';
      while (!stop.signal.aborted) {
        try {
          const response = await fetch(`${base}/messages?after=${lastId}&wait=${wait}`, {
            signal: stop.signal,
            credentials: 'same-origin',
          });
          if (!response.ok) throw new Error(String(response.status));
          const { messages } = (await response.json()) as { messages: ChatLine[] };
          if (stop.signal.aborted) return;
          for (const line of messages) {
            const id = BigInt(line.id);
            if (id > lastId) lastId = id;
            // The newest bot message that sets or removes a reply keyboard decides it.
            const markup: ReplyMarkup | undefined = line.replyMarkup;
            if (line.fromBot && !line.deleted && id > keyboardFrom) {
              keyboardFrom = id;
              if (markup?.keyboard || markup?.remove_keyboard) {
                setContactLabel(null);
                setKeyboard(
                  markup.keyboard?.map((row) =>
                    row.map((b) => (typeof b === 'string' ? { text: b } : b)),
                  ) ?? null,
                );
              }
            }
          }
          setLines((old) => merged(old, messages));
          setError('');
          wait = '1';
        } catch {
          if (stop.signal.aborted) return;
          setError(texts.current('Sandbox.offline'));
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    };
    void follow();
    return () => stop.abort();
  }, [base]);

  // A new line scrolls the chat to its end.
  const count = lines.length;
  useEffect(() => {
    if (count > 0 && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [count]);

  const post = async (path: string, body: object): Promise<boolean> => {
    const result = await call<{ error?: string }>('POST', `${base}/${path}`, body);
    setError(result.ok ? '' : errorText(result));
    return result.ok;
  };
  const sendText = async (event?: React.FormEvent) => {
    event?.preventDefault();
    if (await post('send', { text })) setText('');
  };
  const shareContact = async (event: React.FormEvent) => {
    event.preventDefault();
    if (await post('contact', { phone })) {
      setPhone('');
      setContactLabel(null);
    }
  };
  const press = (line: ChatLine, data: string) =>
    void post('press', { messageId: line.messageId, data });
  const fileUrl = (line: ChatLine, inline: boolean) =>
    `${base}/files/${line.messageId}${inline ? '?inline=1' : ''}`;

  return (
    <Box id="chat" flex flexDirection="column" flexGrow={1} style={{ minWidth: 0 }}>
      <H5 className="chat-head" mb="default">
        {persona.name} · {persona.kind === 'master' ? tc('Sandbox.master') : tc('Sandbox.client')}
      </H5>
      <Box
        id="messages"
        ref={list}
        aria-live="polite"
        flex
        flexDirection="column"
        bg="grey20"
        p="default"
        style={{ height: '55vh', overflowY: 'auto' }}
      >
        {lines.map((line) => (
          <Bubble
            key={line.messageId === null ? `l${line.id}` : `m${line.messageId}`}
            line={line}
            fileUrl={fileUrl}
            onPress={press}
            edited={tc('Sandbox.edited')}
            language={language}
          />
        ))}
      </Box>
      <Box id="reply-keyboard" mt="sm">
        {keyboard?.map((row, r) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a keyboard is drawn whole, never reordered
          <Box key={r} flex style={{ gap: 4, marginTop: 4 }}>
            {row.map((b, i) => (
              <Button
                // biome-ignore lint/suspicious/noArrayIndexKey: a keyboard is drawn whole, never reordered
                key={i}
                type="button"
                variant="outlined"
                style={{ flex: 1 }}
                onClick={() => {
                  if (b.request_contact) setContactLabel(b.text);
                  else void post('send', { text: b.text });
                }}
              >
                {b.text}
              </Button>
            ))}
          </Box>
        ))}
      </Box>
      {contactLabel !== null && (
        <Box as="form" id="contact-form" flex mt="sm" style={{ gap: 8 }} onSubmit={shareContact}>
          <Input
            name="phone"
            type="tel"
            placeholder={tc('Sandbox.phone')}
            aria-label={tc('Sandbox.phone')}
            maxLength={30}
            value={phone}
            autoFocus
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setPhone(e.target.value)}
          />
          <Button type="submit" variant="contained">
            {contactLabel}
          </Button>
        </Box>
      )}
      <Box as="form" id="composer" flex mt="sm" style={{ gap: 8 }} onSubmit={sendText}>
        <TextArea
          name="text"
          placeholder={tc('Sandbox.placeholder')}
          aria-label={tc('Sandbox.placeholder')}
          maxLength={4096}
          value={text}
          style={{ flexGrow: 1 }}
          onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setText(e.target.value)}
          onKeyDown={(e: React.KeyboardEvent<HTMLTextAreaElement>) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void sendText();
            }
          }}
        />
        <Button type="submit" variant="contained">
          {tc('Sandbox.send')}
        </Button>
      </Box>
      <FormMessage id="chat-error" role="alert">
        {error}
      </FormMessage>
    </Box>
  );
};

/** The form that creates a persona: a new client (plain, by a friend's or a source's link) or a master. */
const PersonaForm: React.FC<{
  api: string;
  state: SandboxState;
  language: 'ru' | 'en';
  onRefresh: () => Promise<SandboxState | null>;
  onCreated: (id: string) => void;
}> = ({ api, state, language, onRefresh, onCreated }) => {
  const { translateComponent: tc } = useTranslation();
  const errorText = useRefusalText();
  const [kind, setKind] = useState<Kind>('client');
  const [name, setName] = useState('');
  const [friend, setFriend] = useState('');
  const [code, setCode] = useState('');
  const [source, setSource] = useState('');
  const [staffUserId, setStaffUserId] = useState('');
  const [lang, setLang] = useState<string>(language);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const choose = (value: string) => {
    setKind(value as Kind);
    // A persona becomes a friend to invite by once registered: ask again when the list is shown.
    if (value === 'ref') void onRefresh();
  };

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const body: Record<string, string> = { kind, language: lang };
    if (kind === 'master') body.staffUserId = staffUserId || state.staff[0]?.id || '';
    else body.name = name;
    if (kind === 'ref') body.code = friend || code;
    if (kind === 'src') body.code = source || state.sources[0]?.code || '';
    try {
      const result = await call<{ id?: string; error?: string }>('POST', `${api}/personas`, body);
      if (!result.ok) {
        setError(errorText(result));
        return;
      }
      setError('');
      setName('');
      setCode('');
      setFriend('');
      // The new persona may be a friend to invite by, or a master now taken: the lists anew.
      await onRefresh();
      if (result.data?.id) onCreated(result.data.id);
    } catch {
      setError(tc('Sandbox.errors.failed'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box as="form" id="new-persona" mt="xl" onSubmit={submit}>
      <H5>{tc('Sandbox.newPersona')}</H5>
      <FormGroup>
        <Label htmlFor="np-kind">{tc('Sandbox.kind')}</Label>
        <Choice
          name="kind"
          value={kind}
          onChange={choose}
          options={[
            { value: 'client', label: tc('Sandbox.kindClient') },
            { value: 'ref', label: tc('Sandbox.kindRef') },
            { value: 'src', label: tc('Sandbox.kindSrc') },
            { value: 'master', label: tc('Sandbox.kindMaster') },
          ]}
          id="np-kind"
        />
      </FormGroup>
      {kind !== 'master' && (
        <FormGroup>
          <Label htmlFor="np-name">{tc('Sandbox.name')}</Label>
          <Input
            id="np-name"
            name="name"
            maxLength={64}
            value={name}
            style={{ width: '100%' }}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setName(e.target.value)}
          />
        </FormGroup>
      )}
      {kind === 'ref' && (
        <>
          <FormGroup>
            <Label htmlFor="np-friend">{tc('Sandbox.friend')}</Label>
            <Choice
              name="friend"
              id="np-friend"
              value={friend}
              onChange={setFriend}
              options={[
                { value: '', label: tc('Sandbox.otherCode') },
                ...state.referrers.map((r) => ({ value: r.code, label: r.name })),
              ]}
            />
          </FormGroup>
          <FormGroup>
            <Label htmlFor="np-code">{tc('Sandbox.refCode')}</Label>
            <Input
              id="np-code"
              name="code"
              maxLength={60}
              value={code}
              style={{ width: '100%' }}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setCode(e.target.value)}
            />
          </FormGroup>
        </>
      )}
      {kind === 'src' && (
        <FormGroup>
          <Label htmlFor="np-source">{tc('Sandbox.source')}</Label>
          <Choice
            name="source"
            id="np-source"
            value={source || state.sources[0]?.code || ''}
            onChange={setSource}
            options={state.sources.map((s) => ({ value: s.code, label: s.name }))}
          />
        </FormGroup>
      )}
      {kind === 'master' && (
        <FormGroup>
          <Label htmlFor="np-staff">{tc('Sandbox.staff')}</Label>
          <Choice
            name="staffUserId"
            id="np-staff"
            value={staffUserId || state.staff[0]?.id || ''}
            onChange={setStaffUserId}
            options={state.staff.map((s) => ({ value: s.id, label: s.name }))}
          />
        </FormGroup>
      )}
      <FormGroup>
        <Label htmlFor="np-language">{tc('Sandbox.language')}</Label>
        <Choice
          name="language"
          id="np-language"
          value={lang}
          onChange={setLang}
          options={[
            { value: 'ru', label: 'Русский' },
            { value: 'en', label: 'English' },
          ]}
        />
      </FormGroup>
      <Button type="submit" variant="contained" disabled={busy}>
        {tc('Sandbox.create')}
      </Button>
      <FormMessage id="form-error" role="alert">
        {error}
      </FormMessage>
    </Box>
  );
};

const personaFromHash = () => /^#p=(\d+)$/.exec(window.location.hash)?.[1] ?? null;

/** The Telegram sandbox: personas on the left, the chosen persona's chat with the bot beside. */
const SandboxPage: React.FC = () => {
  const { translateComponent: tc } = useTranslation();
  const [page, setPage] = useState<PageData | null>(null);
  const [state, setState] = useState<SandboxState>(EMPTY);
  const [current, setCurrent] = useState<string | null>(personaFromHash);
  const [failed, setFailed] = useState(false);

  const refresh = useCallback(async (api: string) => {
    const result = await call<SandboxState>('GET', `${api}/state`).catch(() => null);
    if (!result?.ok || !result.data) {
      setFailed(true);
      return null;
    }
    setState(result.data);
    return result.data;
  }, []);

  useEffect(() => {
    adminApi.getPage<PageData>({ pageName: 'sandbox' }).then(
      (r) => {
        setPage(r.data);
        void refresh(r.data.api);
      },
      () => setFailed(true),
    );
  }, [refresh]);

  const open = (id: string) => {
    setCurrent(id);
    window.history.replaceState(null, '', `#p=${id}`);
  };

  if (failed) return <MessageBox variant="danger" message={tc('PageForm.loadFailed')} />;
  if (!page) return <Loader />;
  const persona = state.personas.find((p) => p.id === current);
  const role = (p: Persona) => (p.kind === 'master' ? tc('Sandbox.master') : tc('Sandbox.client'));
  return (
    <Box variant="container" data-testid="sandbox-page">
      <H2>{tc('Sandbox.title')}</H2>
      <Text mb="xl">{tc('Sandbox.intro')}</Text>
      <Box flex style={{ gap: 24 }} flexDirection={['column', 'column', 'row']}>
        <Box as="aside" style={{ flex: '0 0 280px' }}>
          <H5>{tc('Sandbox.personas')}</H5>
          <Box as="ul" id="personas" style={{ listStyle: 'none', padding: 0 }}>
            {state.personas.length === 0 && <li>{tc('Sandbox.none')}</li>}
            {state.personas.map((p) => (
              <li key={p.id}>
                <Button
                  type="button"
                  variant={p.id === current ? 'contained' : 'text'}
                  aria-current={p.id === current ? 'true' : 'false'}
                  onClick={() => open(p.id)}
                  style={{ width: '100%', justifyContent: 'flex-start' }}
                >
                  {p.name} <small>{`(${role(p)}, ${p.language})`}</small>
                </Button>
              </li>
            ))}
          </Box>
          <PersonaForm
            api={page.api}
            state={state}
            language={page.language}
            onRefresh={() => refresh(page.api)}
            onCreated={open}
          />
        </Box>
        {persona ? (
          <Chat key={persona.id} api={page.api} persona={persona} language={page.language} />
        ) : (
          <Text id="chat" className="empty">
            {tc('Sandbox.pick')}
          </Text>
        )}
      </Box>
    </Box>
  );
};

export default SandboxPage;
