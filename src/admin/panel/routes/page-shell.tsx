import { Box, H2, theme } from '@adminjs/design-system';
import React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { ServerStyleSheet, ThemeProvider } from 'styled-components';

/**
 * The layout of the panel's plain routes (the password change): AdminJS's own design-system
 * components rendered on the server, so the page has AdminJS's look without its scripts.
 */

/** The fonts of every panel page: the system's, never a font from the internet. */
export const SYSTEM_FONTS =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

export type PanelLanguage = 'ru' | 'en';

export const languageOf = (locale: string | undefined): PanelLanguage =>
  locale === 'en' ? 'en' : 'ru';

/**
 * A whole page: `children` drawn with the design system inside AdminJS's frame (its background,
 * a white box, the title). React escapes every text, so nothing typed can become markup.
 */
export function renderPanelPage(options: {
  language: PanelLanguage;
  title: string;
  children: React.ReactNode;
}): string {
  const sheet = new ServerStyleSheet();
  try {
    const body = renderToStaticMarkup(
      sheet.collectStyles(
        <ThemeProvider theme={theme}>
          <Box
            as="main"
            flex
            justifyContent="center"
            alignItems="flex-start"
            bg="grey20"
            style={{ minHeight: '100vh' }}
          >
            <Box variant="container" bg="white" mt="xxl" style={{ width: '100%', maxWidth: 480 }}>
              <H2>{options.title}</H2>
              {options.children}
            </Box>
          </Box>
        </ThemeProvider>,
      ),
    );
    const title = renderToStaticMarkup(<title>{options.title}</title>);
    return `<!doctype html><html lang="${options.language}"><head><meta charset="utf-8">${title}
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html, body, button, input, textarea, select { font-family: ${SYSTEM_FONTS}; } body { margin: 0; }</style>
${sheet.getStyleTags()}</head><body>${body}</body></html>`;
  } finally {
    sheet.seal();
  }
}
