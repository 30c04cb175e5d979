import { Box, Button, Text } from '@adminjs/design-system';
import React from 'react';

/** A keyboard as the bot attached it (src/sandbox/sandbox-store.ts ReplyMarkup). */
export interface ReplyMarkup {
  inline_keyboard?: { text: string; callback_data?: string; url?: string }[][];
  keyboard?: ({ text: string; request_contact?: boolean } | string)[][];
  remove_keyboard?: boolean;
}

/** One line of a chat as the sandbox's API answers it (src/sandbox/sandbox-routes.ts). */
export interface ChatLine {
  id: string;
  messageId: number | null;
  fromBot: boolean;
  edited: boolean;
  deleted: boolean;
  at: string;
  kind?: 'text' | 'photo' | 'document' | 'contact' | 'toast';
  text?: string;
  caption?: string;
  parseMode?: string;
  replyMarkup?: ReplyMarkup;
  file?: { name: string; mimeType: string; size: number };
  contact?: { phone: string };
}

/** Telegram's HTML subset: these tags keep their meaning, any other keeps only its text. */
const TAGS: Readonly<Record<string, string>> = {
  B: 'b',
  STRONG: 'b',
  I: 'i',
  EM: 'i',
  U: 'u',
  INS: 'u',
  S: 's',
  STRIKE: 's',
  DEL: 's',
  CODE: 'code',
  PRE: 'pre',
  BLOCKQUOTE: 'blockquote',
  'TG-SPOILER': 'span',
  SPAN: 'span',
  A: 'a',
};
const SAFE_LINK = /^(https?:|tg:)/i;

/** A parsed node as React elements: text stays text, no attribute but a checked link's href. */
function toReact(node: Node, key: string): React.ReactNode {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent;
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const element = node as Element;
  const children = Array.from(element.childNodes).map((child, i) => toReact(child, `${key}.${i}`));
  const tag = TAGS[element.tagName];
  if (!tag) return <React.Fragment key={key}>{children}</React.Fragment>;
  if (tag === 'a') {
    const href = element.getAttribute('href') ?? '';
    return SAFE_LINK.test(href) ? (
      <a key={key} href={href} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    ) : (
      // biome-ignore lint/a11y/useValidAnchor: an unsafe link keeps its text and look, not its address
      <a key={key}>{children}</a>
    );
  }
  return React.createElement(tag, { key }, ...children);
}

/**
 * The bot's text: with parse mode HTML through the whitelist above, else as plain text. The
 * parser builds an inert document (no script runs, no picture loads) and nothing of it is put
 * in the page as HTML.
 */
export const Formatted: React.FC<{ text: string; parseMode?: string | undefined }> = ({
  text,
  parseMode,
}) => {
  if (parseMode !== 'HTML') return <div className="text">{text}</div>;
  const doc = new DOMParser().parseFromString(`<body>${text}</body>`, 'text/html');
  return (
    <div className="text">
      {Array.from(doc.body.childNodes).map((node, i) => toReact(node, String(i)))}
    </div>
  );
};

interface BubbleProps {
  line: ChatLine;
  fileUrl: (line: ChatLine, inline: boolean) => string;
  onPress: (line: ChatLine, data: string) => void;
  edited: string;
  language: string;
}

/** One message of the chat: its picture, document or contact, its text and inline buttons. */
export const Bubble: React.FC<BubbleProps> = ({ line, fileUrl, onPress, edited, language }) => {
  if (line.kind === 'toast')
    return (
      <Text className="toast" role="status" textAlign="center" color="grey60" my="sm">
        {line.text}
      </Text>
    );
  const text = line.text !== undefined ? line.text : line.caption;
  const rows = line.replyMarkup?.inline_keyboard ?? [];
  const time = new Date(line.at).toLocaleTimeString(language, {
    hour: '2-digit',
    minute: '2-digit',
  });
  return (
    <Box
      className={`msg ${line.fromBot ? 'bot' : 'me'}`}
      data-message-id={line.messageId ?? undefined}
      bg={line.fromBot ? 'white' : 'primary20'}
      border="default"
      p="default"
      my="sm"
      style={{
        maxWidth: '75%',
        alignSelf: line.fromBot ? 'flex-start' : 'flex-end',
        borderRadius: 8,
        whiteSpace: 'pre-wrap',
        overflowWrap: 'anywhere',
      }}
    >
      {line.kind === 'photo' && (
        <img
          src={fileUrl(line, true)}
          alt={line.file?.name ?? ''}
          style={{ maxWidth: 240, display: 'block' }}
        />
      )}
      {line.kind === 'document' && line.file && (
        <a className="doc" href={fileUrl(line, false)} download={line.file.name}>
          📄 {line.file.name}
        </a>
      )}
      {line.kind === 'contact' && line.contact && <div>📱 {line.contact.phone}</div>}
      {text !== undefined && <Formatted text={text} parseMode={line.parseMode} />}
      {rows.length > 0 && (
        <Box className="inline" mt="sm">
          {rows.map((row, r) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a keyboard is drawn whole, never reordered
            <Box key={r} flex style={{ gap: 4, marginTop: 4 }}>
              {row.map((b, i) =>
                b.url && /^https?:/i.test(b.url) ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a keyboard is drawn whole, never reordered
                  <a key={i} href={b.url} target="_blank" rel="noopener noreferrer">
                    {b.text}
                  </a>
                ) : (
                  <Button
                    // biome-ignore lint/suspicious/noArrayIndexKey: a keyboard is drawn whole, never reordered
                    key={i}
                    type="button"
                    size="sm"
                    variant="outlined"
                    style={{ flex: 1 }}
                    onClick={() => onPress(line, b.callback_data ?? '')}
                  >
                    {b.text}
                  </Button>
                ),
              )}
            </Box>
          ))}
        </Box>
      )}
      <Text className="meta" variant="xs" color="grey60" textAlign="right">
        {line.edited ? `${edited} · ` : ''}
        {time}
      </Text>
    </Box>
  );
};
