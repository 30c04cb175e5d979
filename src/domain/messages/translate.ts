/** Renders a translated text; the domain names keys and values, the edge owns the wording. */
export type Translate = (
  locale: string,
  key: string,
  params?: Record<string, string | number>,
) => string;
