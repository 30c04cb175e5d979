/** A client's data as JSON (components/client-data-export.tsx). */
export const clientDataExport = {
  ru: {
    actions: { exportData: 'Данные клиента (JSON)' },
    components: {
      ClientDataExport: {
        lead: 'Все данные клиента одним файлом JSON — для ответа на запрос клиента о его данных (152-ФЗ, GDPR): карточка, визиты, баллы, купоны, согласия. Скачивание записывается в журнал.',
        download: 'Скачать JSON',
      },
    },
  },
  en: {
    actions: { exportData: "Client's data (JSON)" },
    components: {
      ClientDataExport: {
        lead: "All of the client's data in one JSON file, to answer their request for it (GDPR, 152-FZ): the card, visits, points, coupons, consents. The download is written to the audit log.",
        download: 'Download JSON',
      },
    },
  },
};
