/** One field of a multipart/form-data body: text, or a file when the part names a filename. */
export interface MultipartPart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/** Raised for a body that is not well-formed multipart/form-data. */
export class MultipartError extends Error {
  override name = 'MultipartError';
}

const MAX_PARTS = 50;

/**
 * A small multipart/form-data reader for the sandbox's Bot API. grammY writes headers without
 * a space and file names unquoted (`filename=visit.ics`), which Node's own FormData parser
 * refuses; this accepts both forms. The whole body is already in memory and bounded in size.
 */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const value = boundary?.[1] ?? boundary?.[2];
  if (!value) throw new MultipartError('no boundary');
  const delimiter = Buffer.from(`--${value}`);
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new MultipartError('no first boundary');
  for (;;) {
    at += delimiter.length;
    // `--` after a boundary ends the body.
    if (body.subarray(at, at + 2).toString() === '--') return parts;
    if (body.subarray(at, at + 2).toString() !== '\r\n')
      throw new MultipartError('bad boundary line');
    at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) throw new MultipartError('unterminated part headers');
    const headers = body.subarray(at, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new MultipartError('unterminated part');
    let name: string | undefined;
    let filename: string | undefined;
    let type: string | undefined;
    for (const line of headers) {
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim().toLowerCase();
      const rest = line.slice(colon + 1).trim();
      if (key === 'content-disposition') {
        name = param(rest, 'name');
        filename = param(rest, 'filename');
      } else if (key === 'content-type') type = rest;
    }
    if (name === undefined) throw new MultipartError('a part without a name');
    parts.push({ name, filename, contentType: type, data: body.subarray(headerEnd + 4, next) });
    if (parts.length > MAX_PARTS) throw new MultipartError('too many parts');
    at = next + 2;
  }
}

function param(header: string, key: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(
    header,
  );
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]?.trim();
}
