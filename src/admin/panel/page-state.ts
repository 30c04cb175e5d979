/**
 * AdminJS writes its state into every page as `window.REDUX_STATE = ${JSON.stringify(state)};`
 * (layout-template and login-template; AdminJS 7.8 has no option for that template). The state
 * holds text staff can set (the session's display name), and plain JSON.stringify leaves `<`
 * as it is, so `</script><script>…` in a name ended the script and ran its own. Here the JSON
 * is cut out of the page and `<`, `>`, U+2028 and U+2029 are escaped: inside JSON they can only
 * stand in strings, where `\u003c` means the same.
 */
const START = 'window.REDUX_STATE = ';
// JSON.stringify never writes a raw line break, so the first one after the state ends it.
const END = /;\r?\n[ \t]*window\.THEME = /g;

export class UnsafePageError extends Error {}

export function escapePageState(html: string): string {
  const start = html.indexOf(START);
  if (start < 0) return html;
  const from = start + START.length;
  END.lastIndex = from;
  const end = END.exec(html);
  // A layout this code does not know: refuse the page rather than serve it unescaped.
  if (!end) throw new UnsafePageError('the panel page state could not be escaped');
  const json = html
    .slice(from, end.index)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `${html.slice(0, from)}${json}${html.slice(end.index)}`;
}
