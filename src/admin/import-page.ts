import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { recordAudit } from '../domain/audit/audit-log.js';
import {
  guessMapping,
  IMPORT_FIELDS,
  type ImportMapping,
  importClients,
} from '../domain/clients/client-import.js';
import type { ClientService } from '../domain/clients/client-service.js';
import { can, isPanelUser } from './access.js';
import { panelPage } from './page-shell.js';
import { ADMIN_ROOT } from './paths.js';

export const IMPORT_PATH = `${ADMIN_ROOT}/import`;
const MAX_UPLOAD = 200 * 1024 * 1024;
const ID = /^[0-9a-f-]{36}$/;

const TEXT = {
  ru: {
    title: 'Импорт клиентов из CSV',
    lead: 'Файл CSV с заголовком в первой строке (разделитель «;», «,» или табуляция). Клиенты узнаются по телефону: повторный импорт того же файла ничего не дублирует. Сначала проверьте файл — ничего не будет записано.',
    file: 'Файл',
    mapping: 'Столбцы (пусто — определить по заголовку)',
    fields: {
      phone: 'Телефон',
      name: 'Имя',
      birthday: 'День рождения',
      notes: 'Заметки',
      allergies: 'Аллергии',
      tags: 'Метки',
    },
    check: 'Проверить файл',
    run: 'Импортировать',
    progress: 'Обработано строк: ',
    back: '← К клиентам',
    report: {
      rows: 'Строк',
      created: 'Новых',
      updated: 'Обновлено',
      unchanged: 'Без изменений',
      failed: 'С ошибками',
      dry: 'Проверка: ничего не записано.',
      done: 'Импорт завершён.',
    },
    table: { line: 'Строка', field: 'Поле', problem: 'Ошибка' },
    codes: {
      required: 'не заполнено',
      invalid: 'неверное значение',
      too_long: 'слишком длинно',
      'too-long': 'слишком длинно',
      too_many: 'слишком много',
      'column-missing': 'нет такого столбца в файле',
      'not-csv': 'файл не читается как CSV',
      'line-too-long': 'слишком длинная строка',
    } as Record<string, string>,
    noFile: 'Выберите файл.',
    failed: 'Импорт не удался: ',
    more: 'Показаны первые ошибки; всего: ',
  },
  en: {
    title: 'Import clients from CSV',
    lead: 'A CSV file with a header line (separated by ";", "," or tabs). Clients are matched by phone: importing the same file again duplicates nothing. Check the file first — nothing is written.',
    file: 'File',
    mapping: 'Columns (empty: found from the header)',
    fields: {
      phone: 'Phone',
      name: 'Name',
      birthday: 'Birthday',
      notes: 'Notes',
      allergies: 'Allergies',
      tags: 'Tags',
    },
    check: 'Check the file',
    run: 'Import',
    progress: 'Rows processed: ',
    back: '← Back to clients',
    report: {
      rows: 'Rows',
      created: 'New',
      updated: 'Updated',
      unchanged: 'Unchanged',
      failed: 'With errors',
      dry: 'Check only: nothing was written.',
      done: 'Import finished.',
    },
    table: { line: 'Line', field: 'Field', problem: 'Problem' },
    codes: {
      required: 'missing',
      invalid: 'not valid',
      too_long: 'too long',
      'too-long': 'too long',
      too_many: 'too many',
      'column-missing': 'no such column in the file',
      'not-csv': 'the file cannot be read as CSV',
      'line-too-long': 'a line is too long',
    } as Record<string, string>,
    noFile: 'Choose a file.',
    failed: 'The import failed: ',
    more: 'The first errors are shown; in all: ',
  },
};
type Texts = (typeof TEXT)['en'];

function page(t: Texts): string {
  // Fixed texts only; the report is built in the browser with textContent, never as HTML.
  const inputs = IMPORT_FIELDS.map(
    (f) =>
      `<label>${t.fields[f]} <input name="${f}" data-field="${f}" maxlength="100" autocomplete="off"></label>`,
  ).join('');
  const body = `<p>${t.lead}</p>
<p><label>${t.file} <input id="file" type="file" accept=".csv,text/csv"></label></p>
<fieldset><legend>${t.mapping}</legend>${inputs}</fieldset>
<button id="check" type="button">${t.check}</button><button id="run" type="button">${t.run}</button>
<div id="progress" role="status"></div><div id="report"></div>
<script>
const T=${JSON.stringify({ progress: t.progress, report: t.report, table: t.table, codes: t.codes, fields: t.fields, noFile: t.noFile, failed: t.failed, more: t.more })};
const el=(tag,text)=>{const e=document.createElement(tag);if(text!==undefined)e.textContent=String(text);return e;};
async function go(dry){
  const file=document.getElementById('file').files[0];
  const out=document.getElementById('report');out.replaceChildren();
  const progress=document.getElementById('progress');
  if(!file){progress.textContent=T.noFile;return;}
  const id=crypto.randomUUID();const q=new URLSearchParams({id,dry:dry?'1':'0'});
  document.querySelectorAll('input[data-field]').forEach(i=>{if(i.value.trim())q.set(i.dataset.field,i.value.trim());});
  for(const b of document.querySelectorAll('button'))b.disabled=true;
  const timer=setInterval(async()=>{const r=await fetch('${IMPORT_PATH}/progress?id='+id);if(r.ok){const p=await r.json();progress.textContent=T.progress+p.rows;}},400);
  try{
    const r=await fetch('${IMPORT_PATH}/run?'+q,{method:'POST',headers:{'content-type':'text/csv'},body:file});
    const rep=await r.json();
    if(!r.ok){progress.textContent=T.failed+(rep.error||r.status);return;}
    progress.textContent=T.progress+rep.rows;
    out.append(el('p',rep.dryRun?T.report.dry:T.report.done));
    const counts=el('p');counts.className='counts';
    for(const k of ['rows','created','updated','unchanged','failed']){counts.append(el('span',T.report[k]+': '+rep[k]));}
    out.append(counts);
    if(rep.fatal){const p=el('p',(T.table.line+' '+rep.fatal.line+': ')+(T.codes[rep.fatal.code]||rep.fatal.code)+(rep.fatal.field!=='file'?' ('+(T.fields[rep.fatal.field]||rep.fatal.field)+')':''));p.className='error';out.append(p);}
    if(rep.errors.length){
      if(rep.failed>rep.errors.length)out.append(el('p',T.more+rep.failed));
      const table=el('table');const head=el('tr');for(const h of [T.table.line,T.table.field,T.table.problem])head.append(el('th',h));table.append(head);
      for(const e of rep.errors){const tr=el('tr');tr.append(el('td',e.line),el('td',T.fields[e.field]||e.field),el('td',T.codes[e.code]||e.code));table.append(tr);}
      out.append(table);
    }
  }finally{clearInterval(timer);for(const b of document.querySelectorAll('button'))b.disabled=false;}
}
document.getElementById('check').onclick=()=>go(true);
document.getElementById('run').onclick=()=>go(false);
</script>`;
  return panelPage({
    title: t.title,
    lang: t === TEXT.en ? 'en' : 'ru',
    back: { href: `${ADMIN_ROOT}/resources/Client`, label: t.back },
    body,
    style: `label{margin:6px 16px 6px 0;font-size:14px}input[data-field]{width:140px}
button{margin:16px 12px 0 0}#check{background:#e8eaf6;color:#1c1c38}
.counts span{display:inline-block;margin-right:24px}#progress{margin-top:16px;color:#555}`,
  });
}

/**
 * The import page of the panel (owners, admins, managers): the file is sent as the request body
 * and read as a stream, so large files never sit in memory; the page polls the progress.
 */
export function registerImportPage(
  scope: FastifyInstance,
  deps: { db: Kysely<Database>; clients: ClientService },
): void {
  const progress = new Map<string, { owner: string; rows: number; at: number }>();
  scope.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

  const user = (request: { session: { get(key: 'adminUser'): unknown } }) => {
    const u = request.session.get('adminUser');
    return isPanelUser(u) && can(u, 'Client', 'new') ? u : null;
  };

  scope.get(IMPORT_PATH, async (request, reply) => {
    const u = user(request);
    if (!u) return reply.code(403).send({ error: 'forbidden' });
    return reply.type('text/html').send(page(u.locale === 'en' ? TEXT.en : TEXT.ru));
  });

  scope.get(`${IMPORT_PATH}/progress`, async (request, reply) => {
    const u = user(request);
    const id = String((request.query as Record<string, unknown>).id ?? '');
    const entry = progress.get(id);
    if (!u || !entry || entry.owner !== u.id) return reply.code(404).send({ error: 'not found' });
    return { rows: entry.rows };
  });

  scope.post(`${IMPORT_PATH}/run`, { bodyLimit: MAX_UPLOAD }, async (request, reply) => {
    const u = user(request);
    if (!u) return reply.code(403).send({ error: 'forbidden' });
    const query = request.query as Record<string, unknown>;
    const id = String(query.id ?? '');
    if (!ID.test(id) || request.headers['content-type'] !== 'text/csv')
      return reply.code(400).send({ error: 'bad request' });
    const given: Partial<ImportMapping> = {};
    for (const f of IMPORT_FIELDS) {
      const v = query[f];
      if (typeof v === 'string' && v.trim() !== '') given[f] = v.trim().slice(0, 100);
    }
    // Entries older than an hour are forgotten; the map stays small.
    for (const [key, entry] of progress)
      if (Date.now() - entry.at > 3_600_000) progress.delete(key);
    progress.set(id, { owner: u.id, rows: 0, at: Date.now() });
    const actor = { type: 'staff' as const, id: u.id, ip: request.ip };
    const body = request.body as Readable;
    const dryRun = query.dry === '1';
    const report = await importClients(body, {
      clients: deps.clients,
      // Unmapped fields are taken from the header, by their usual names.
      mapping: given as ImportMapping,
      guess: (headers) => ({ ...guessMapping(headers), ...given }),
      dryRun,
      actor,
      onProgress: (rows) => {
        const entry = progress.get(id);
        if (entry) entry.rows = rows;
      },
    });
    await recordAudit(deps.db, actor, {
      action: dryRun ? 'import-check' : 'import',
      entity: 'client',
      entityId: null,
      details: {
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        failed: report.failed,
      },
    });
    return report;
  });
}
