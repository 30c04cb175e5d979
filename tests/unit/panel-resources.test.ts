import { describe, expect, it } from 'vitest';
import {
  can,
  editableFields,
  PANEL_RESOURCES,
  type PanelResource,
  stripFields,
  visibleFields,
} from '../../src/admin/panel/access.js';
import { en, ru } from '../../src/admin/panel/locales/index.js';
import type { Params, RecordStore } from '../../src/admin/panel/records/record-store.js';
import { StoreResource } from '../../src/admin/panel/records/store-resource.js';
import { RESOURCES } from '../../src/admin/panel/resources/index.js';
import { fieldSpecs, layoutOf } from '../../src/admin/panel/resources/resource-definition.js';
import type { StaffRole } from '../../src/db/schema.js';

const ROLES: StaffRole[] = ['owner', 'admin', 'manager', 'master', 'analyst'];
const user = (role: StaffRole) => ({
  id: 'u',
  email: 'u@salon.test',
  role,
  title: role,
  locale: 'en',
});
type Tree = { [key: string]: unknown };
const at = (tree: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((node, key) => (node as Tree | undefined)?.[key], tree);

describe('panel resources: one definition each', () => {
  it('covers every resource of the access table, each under its own id', () => {
    expect(Object.keys(RESOURCES).sort()).toEqual([...PANEL_RESOURCES].sort());
    for (const [id, definition] of Object.entries(RESOURCES)) expect(definition.id).toBe(id);
  });

  it('lays out only fields it defines, and refers only to resources that exist', () => {
    for (const definition of Object.values(RESOURCES)) {
      const fields = new Set(fieldSpecs(definition).map((f) => f.path));
      const layout = layoutOf(definition);
      for (const path of [
        ...layout.list,
        ...layout.show,
        ...layout.edit,
        ...layout.filter,
        ...(layout.forms?.new ?? []),
        ...(layout.forms?.edit ?? []),
      ])
        expect(fields.has(path), `${definition.id}.${path}`).toBe(true);
      for (const field of fieldSpecs(definition))
        if (field.reference)
          expect(PANEL_RESOURCES, `${definition.id}.${field.path}`).toContain(field.reference);
      expect(fieldSpecs(definition).filter((f) => f.isId)).toHaveLength(1);
      expect(fieldSpecs(definition).filter((f) => f.isTitle)).toHaveLength(1);
    }
  });

  it('names every field a person sees in Russian and in English', () => {
    const missing: string[] = [];
    for (const definition of Object.values(RESOURCES))
      for (const field of fieldSpecs(definition)) {
        // A bare key is a technical value; AdminJS calls it "Id" in both languages.
        if (field.isId && !field.isTitle) continue;
        for (const [language, dictionary] of [
          ['ru', ru],
          ['en', en],
        ] as const) {
          const label =
            at(dictionary, 'resources', definition.id, 'properties', field.path) ??
            at(dictionary, 'properties', field.path);
          if (typeof label !== 'string' || label.trim() === '')
            missing.push(`${language} ${definition.id}.${field.path}`);
        }
      }
    expect(missing).toEqual([]);
  });

  it('derives the forms: the staff e-mail only when creating, "active" only when editing', () => {
    const layout = layoutOf(RESOURCES.StaffUser);
    expect(layout.forms?.new).toEqual(['email', 'display_name', 'role', 'branch_id', 'locale']);
    expect(layout.forms?.edit).toEqual(['display_name', 'role', 'branch_id', 'locale', 'active']);
    // Where both forms are the same, AdminJS's own edit layout serves both.
    expect(layoutOf(RESOURCES.Client).forms).toBeUndefined();
    expect(layoutOf(RESOURCES.Client).edit[0]).toBe('name');
  });
});

describe('panel resources: who receives and changes which field', () => {
  it('gives each role that may read a resource its fields, and others none', () => {
    for (const resource of PANEL_RESOURCES)
      for (const role of ROLES) {
        const fields = visibleFields(user(role), resource);
        const reads = can(user(role), resource, 'list') || can(user(role), resource, 'show');
        expect(fields.size > 0, `${role} ${resource}`).toBe(reads);
      }
    expect(visibleFields(undefined, 'Client').size).toBe(0);
  });

  it('gives a master what the chair needs of a visit: no money, no rota', () => {
    expect([...visibleFields(user('master'), 'Visit')].sort()).toEqual(
      [
        'id',
        'startsAt',
        'service',
        'status',
        'client',
        'clientPhone',
        'clientNotes',
        'clientAllergies',
        'toPay',
      ].sort(),
    );
    expect(visibleFields(user('manager'), 'Visit')).toEqual(
      new Set(fieldSpecs(RESOURCES.Visit).map((f) => f.path)),
    );
  });

  it('strips what the definition does not name, and what the role may not see', () => {
    const row = { id: 'v', price: 1000, toPay: 900, password_hash: 'x', 'tags.0': 'vip' };
    expect(stripFields(user('master'), 'Visit', row)).toEqual({ id: 'v', toPay: 900 });
    expect(stripFields(user('owner'), 'Client', row)).toEqual({ id: 'v', 'tags.0': 'vip' });
    expect(stripFields(user('analyst'), 'Client', row)).toEqual({});
  });

  it("passes the client card's sections to the roles that see clients, as no property", () => {
    const card = { value: { visits: 3 }, source: 'Instagram', referrer: null, points: 10 };
    for (const role of ROLES)
      expect(stripFields(user(role), 'Client', card), role).toEqual(
        can(user(role), 'Client', 'show') ? card : {},
      );
    expect(fieldSpecs(RESOURCES.Client).map((f) => f.path)).not.toContain('value');
  });

  it('lets a form change only its own fields, and only for roles with that action', () => {
    expect([...editableFields(user('admin'), 'StaffUser', 'new')]).toEqual([
      'email',
      'display_name',
      'role',
      'branch_id',
      'locale',
    ]);
    expect(editableFields(user('admin'), 'StaffUser', 'edit').has('email')).toBe(false);
    expect(editableFields(user('manager'), 'StaffUser', 'edit').size).toBe(0);
    // Coupons are created, never edited.
    expect(editableFields(user('manager'), 'Coupon', 'new').has('percent')).toBe(true);
    expect(editableFields(user('owner'), 'Coupon', 'edit').size).toBe(0);
    expect(editableFields(user('analyst'), 'Branch', 'edit').size).toBe(0);
    expect(editableFields(undefined, 'Branch', 'edit').size).toBe(0);
  });
});

/** A store that keeps what reaches it, to see what the adapter lets through. */
class KeepingStore implements RecordStore {
  readonly kind = 'clientele-records';
  readonly fields = fieldSpecs(RESOURCES.StaffUser);
  received: Params[] = [];
  constructor(readonly id: PanelResource) {}
  async count() {
    return 0;
  }
  async find() {
    return [];
  }
  async findOne() {
    return null;
  }
  async create(params: Params) {
    this.received.push(params);
    return { id: 'new', ...params };
  }
  async update(id: string, params: Params) {
    this.received.push(params);
    return { id, ...params };
  }
}

describe('panel resources: the adapter hands a store only the form’s fields', () => {
  const context = (role: StaffRole) => ({ currentAdmin: user(role) }) as never;
  const hostile = {
    email: 'new@salon.test',
    display_name: 'Анна',
    active: 'false',
    password_hash: 'x',
    must_change_password: 'false',
  };

  it('creating: the e-mail goes through, "active" and unknown columns do not', async () => {
    const store = new KeepingStore('StaffUser');
    await new StoreResource(store).create(hostile, context('owner'));
    expect(store.received).toEqual([{ email: 'new@salon.test', display_name: 'Анна' }]);
  });

  it('editing: the e-mail stays as it was; a role without the action passes nothing', async () => {
    const store = new KeepingStore('StaffUser');
    await new StoreResource(store).update('id', hostile, context('admin'));
    await new StoreResource(store).update('id', hostile, context('manager'));
    expect(store.received).toEqual([{ display_name: 'Анна', active: 'false' }, {}]);
  });
});
