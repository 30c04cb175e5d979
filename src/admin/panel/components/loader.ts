import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ComponentLoader } from 'adminjs';

/**
 * The panel's one ComponentLoader: every React component of the panel is added here, by an
 * absolute path (AdminJS bundles them from wherever the process was started), and the names it
 * returns go into the AdminJS options. Add a component: one line here, one file beside it.
 */
export const componentLoader = new ComponentLoader();

const here = path.dirname(fileURLToPath(import.meta.url));
const file = (name: string) => path.join(here, name);
const registered: string[] = [];
/** A component by its file beside this one; its file is also a source of the bundle. */
const add = (name: string, fileName: string) => {
  registered.push(file(fileName));
  return componentLoader.add(name, file(fileName));
};

export const Components = {
  Backups: add('Backups', 'backups-page.tsx'),
  Booking: add('Booking', 'booking-page.tsx'),
  Stats: add('Stats', 'stats-page.tsx'),
  Loyalty: add('Loyalty', 'loyalty-page.tsx'),
  Templates: add('Templates', 'templates-page.tsx'),
  Sandbox: add('Sandbox', 'sandbox-page.tsx'),
  Feedback: add('Feedback', 'feedback-page.tsx'),
  /** The staff start page (AdminJS's dashboard). */
  Today: add('Today', 'today-page.tsx'),
  /** A record action that changes state: its confirmation, then a POST (never a GET). */
  ConfirmRecordAction: add('ConfirmRecordAction', 'confirm-record-action.tsx'),
  ImportClients: add('ImportClients', 'import-clients.tsx'),
  CompleteVisit: add('CompleteVisit', 'complete-visit.tsx'),
  MergeClients: add('MergeClients', 'merge-clients.tsx'),
  ExportList: add('ExportList', 'export-list.tsx'),
  ClientDataExport: add('ClientDataExport', 'client-data-export.tsx'),
  ClientCard: add('ClientCard', 'client-card.tsx'),
};

// The sidebar lists only the pages the user may open (the list comes from the role table).
componentLoader.override('SidebarPages', file('sidebar-pages.tsx'));

/** Source files of the bundle: a bundle older than any of them is rebuilt at start-up. */
export const COMPONENT_SOURCES = [
  fileURLToPath(import.meta.url),
  ...registered,
  file('sidebar-pages.tsx'),
  // Modules the components share (fields and their errors, the sandbox's message, the charts).
  file('page-fields.tsx'),
  file('form-errors.ts'),
  file('sandbox-message.tsx'),
  file('analytics-chart.tsx'),
];
