import {
  Badge,
  Box,
  Button,
  H2,
  H4,
  Loader,
  MessageBox,
  Text,
  TextArea,
} from '@adminjs/design-system';
import { ApiClient, useTranslation } from 'adminjs';
import React, { useEffect, useRef, useState } from 'react';
import { errorsOf, type FieldErrors } from './form-errors.js';
import { Field, useFieldMessage } from './page-fields.js';

/** What the page handler (pages/templates-page.ts) answers. */
interface TextEntry {
  locale: 'ru' | 'en';
  body: string;
  stored: boolean;
}
interface Group {
  key: string;
  kind: string;
  holiday: string | null;
  texts: TextEntry[];
}
interface PageData {
  placeholders: string[];
  maxLength: number;
  groups: Group[];
}

const api = new ApiClient();
const PAGE = 'templates';
/** How long typing pauses before the preview follows (a request per pause, not per key). */
const PREVIEW_DELAY_MS = 300;

const post = <T,>(data: Record<string, string>) =>
  api.getPage<T>({ pageName: PAGE, method: 'post', data });

/** One text (a greeting in one language): edit, live preview, save, reset, test. */
const TemplateEditor: React.FC<{
  group: Group;
  entry: TextEntry;
  onSaved: (data: PageData) => void;
}> = ({ group, entry, onSaved }) => {
  const { translateComponent: tc } = useTranslation();
  const message = useFieldMessage('Templates');
  const [body, setBody] = useState(entry.body);
  const [preview, setPreview] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const typed = useRef(false);
  const id = `${group.key}-${entry.locale}`;

  useEffect(() => setBody(entry.body), [entry.body]);
  useEffect(() => {
    if (!typed.current) return undefined;
    const timer = setTimeout(() => {
      post<{ preview: string }>({ op: 'preview', key: group.key, locale: entry.locale, body }).then(
        (r) => {
          setPreview(r.data.preview);
          setErrors({});
        },
        (err) => {
          setPreview(null);
          setErrors(errorsOf(err) ?? { body: { key: 'failed' } });
        },
      );
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [body, group.key, entry.locale]);

  const run = async (op: 'save' | 'reset' | 'test' | 'preview') => {
    setBusy(true);
    setErrors({});
    setNotice(null);
    try {
      const r = await post<PageData & { notice?: string; preview?: string }>({
        op,
        key: group.key,
        locale: entry.locale,
        body,
      });
      if (r.data.preview !== undefined) setPreview(r.data.preview);
      if (r.data.notice) setNotice(r.data.notice);
      if (op === 'save' || op === 'reset') {
        typed.current = false;
        setPreview(null);
        onSaved(r.data);
      }
    } catch (err) {
      setErrors(errorsOf(err) ?? { body: { key: 'failed' } });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box
      style={{ flex: '1 1 360px', minWidth: 300 }}
      data-testid="template"
      data-key={group.key}
      data-locale={entry.locale}
    >
      <H4>
        {entry.locale.toUpperCase()}{' '}
        {!entry.stored && <Badge size="sm">{tc('Templates.default')}</Badge>}
      </H4>
      <Field
        name={`body-${id}`}
        label={tc('Templates.text')}
        error={message(errors.body ?? errors.key)}
      >
        <TextArea
          id={`field-body-${id}`}
          name="body"
          rows={4}
          value={body}
          onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => {
            typed.current = true;
            setBody(e.target.value);
          }}
          style={{ width: '100%' }}
        />
      </Field>
      {notice && (
        <MessageBox
          variant={notice === 'again' ? 'info' : 'success'}
          message={tc(`Templates.notice.${notice}`)}
          mb="default"
          data-testid="notice"
        />
      )}
      {preview !== null && (
        <Box bg="grey20" p="default" mb="default" data-testid="preview" style={{ borderRadius: 6 }}>
          <Text fontWeight="bold">{tc('Templates.previewTitle')}</Text>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{preview}</Text>
        </Box>
      )}
      <Box flex flexWrap="wrap" style={{ gap: 8 }}>
        <Button
          variant="contained"
          size="sm"
          disabled={busy}
          onClick={() => run('save')}
          data-testid="save"
        >
          {tc('Templates.save')}
        </Button>
        <Button
          variant="outlined"
          size="sm"
          disabled={busy}
          onClick={() => run('preview')}
          data-testid="preview-now"
        >
          {tc('Templates.preview')}
        </Button>
        {entry.stored && (
          <Button
            variant="outlined"
            size="sm"
            disabled={busy}
            onClick={() => run('reset')}
            data-testid="reset"
          >
            {tc('Templates.reset')}
          </Button>
        )}
        <Button
          variant="outlined"
          size="sm"
          disabled={busy}
          onClick={() => run('test')}
          data-testid="test"
        >
          {tc('Templates.test')}
        </Button>
      </Box>
    </Box>
  );
};

/** Greeting texts: every greeting in Russian and English, side by side. */
const TemplatesPage: React.FC = () => {
  const { translateComponent: tc } = useTranslation();
  const [data, setData] = useState<PageData | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    api.getPage<PageData>({ pageName: PAGE }).then(
      (r) => setData(r.data),
      () => setFailed(true),
    );
  }, []);
  if (failed) return <MessageBox variant="danger" message={tc('PageForm.loadFailed')} />;
  if (!data) return <Loader />;
  const title = (g: Group) =>
    g.kind === 'holiday'
      ? tc('Templates.holiday', { name: g.holiday ?? '' })
      : tc(`Templates.${g.kind === 'winback' ? 'winback' : 'birthday'}`);
  return (
    <Box variant="grey" data-testid="templates-page">
      <H2>{tc('Templates.title')}</H2>
      <Text mb="lg">
        {tc('Templates.lead', { max: data.maxLength })}{' '}
        {data.placeholders.map((p) => (
          <Badge key={p} mr="sm" variant="info" outline>{`{${p}}`}</Badge>
        ))}
      </Text>
      {data.groups.map((g) => (
        <Box key={g.key} variant="card" mb="lg" data-testid="template-group">
          <H4>{title(g)}</H4>
          <Box flex flexWrap="wrap" style={{ gap: 24 }}>
            {g.texts.map((e) => (
              <TemplateEditor key={e.locale} group={g} entry={e} onSaved={setData} />
            ))}
          </Box>
        </Box>
      ))}
    </Box>
  );
};

export default TemplatesPage;
