/** "Export" on the Clients and Visits lists (components/export-list.tsx). */
export const exportList = {
  ru: {
    actions: { export: 'Экспорт' },
    components: {
      ExportList: {
        title: 'Экспорт: {{list}}',
        lead: 'Список для таблиц: только те столбцы, что видны вашей роли. Каждая выгрузка записывается в журнал.',
        columns: 'Столбцы:',
      },
    },
  },
  en: {
    actions: { export: 'Export' },
    components: {
      ExportList: {
        title: 'Export: {{list}}',
        lead: 'A list for spreadsheets: only the columns your role may see. Every export is written to the audit log.',
        columns: 'Columns:',
      },
    },
  },
};
