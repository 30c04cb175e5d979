import { describe, expect, it } from 'vitest';
import { MultipartError, parseMultipart } from '../../src/sandbox/multipart.js';

const TYPE = 'multipart/form-data; boundary=----b1';
const body = (parts: string[]) =>
  Buffer.from(`${parts.map((p) => `------b1\r\n${p}\r\n`).join('')}------b1--\r\n`, 'latin1');

describe('the sandbox multipart reader', () => {
  it("reads grammY's form (no space after colons, unquoted file names) and quoted names", () => {
    const parts = parseMultipart(
      body([
        'content-disposition:form-data;name="chat_id"\r\n\r\n42',
        'content-disposition:form-data;name="x1";filename=visit.ics\r\ncontent-type:application/octet-stream\r\n\r\nBEGIN\r\nEND',
        'Content-Disposition: form-data; name="x2"; filename="my \\"card\\".png"\r\n\r\n\u0089PNG',
      ]),
      TYPE,
    );
    expect(parts.map((p) => [p.name, p.filename, p.data.toString('latin1')])).toEqual([
      ['chat_id', undefined, '42'],
      ['x1', 'visit.ics', 'BEGIN\r\nEND'],
      ['x2', 'my "card".png', '\u0089PNG'],
    ]);
  });

  it('refuses a body without a boundary, unterminated parts, nameless parts and too many parts', () => {
    expect(() => parseMultipart(Buffer.from('x'), 'multipart/form-data')).toThrow(MultipartError);
    expect(() =>
      parseMultipart(
        Buffer.from('------b1\r\ncontent-disposition:form-data;name="a"\r\n\r\nno end'),
        TYPE,
      ),
    ).toThrow(MultipartError);
    expect(() => parseMultipart(body(['content-disposition:form-data\r\n\r\nx']), TYPE)).toThrow(
      MultipartError,
    );
    const many = Array.from(
      { length: 51 },
      (_, i) => `content-disposition:form-data;name="f${i}"\r\n\r\n${i}`,
    );
    expect(() => parseMultipart(body(many), TYPE)).toThrow(/too many parts/);
    expect(parseMultipart(body([]), TYPE)).toEqual([]);
  });
});
