import { FormGroup, FormMessage, Input, Label } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';
import React from 'react';
import type { FieldError } from './form-errors.js';

/**
 * A field's message: a `messages` key as AdminJS translates it, else the screen's own text
 * (`<screen>.errors.<key>`), else the shared one (`PageForm.errors.<key>`).
 */
export function useFieldMessage(screen: string): (error: FieldError | undefined) => string {
  const { translateComponent: tc, translateMessage: tm } = useTranslation();
  return (error) => {
    if (!error) return '';
    if (error.message) return tm(error.key, undefined, error.params);
    const own = tc(`${screen}.errors.${error.key}`, { ...error.params, defaultValue: '' });
    return own || tc(`PageForm.errors.${error.key}`, { ...error.params });
  };
}

interface FieldProps {
  name: string;
  label: string;
  error?: string;
  /** Shown under the field while it has no error. */
  hint?: string;
  children: React.ReactNode;
}

/**
 * A labelled field with its message under it (the input's id is `field-<name>`); `data-field`
 * names it for tests and styles.
 */
export const Field: React.FC<FieldProps> = ({ name, label, error, hint, children }) => (
  <FormGroup error={Boolean(error)} data-field={name} style={{ marginBottom: 12 }}>
    <Label htmlFor={`field-${name}`}>{label}</Label>
    {children}
    <FormMessage data-testid={`error-${name}`} role={error ? 'alert' : undefined}>
      {error || hint || ''}
    </FormMessage>
  </FormGroup>
);

interface ChoiceProps {
  name: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string) => void;
  disabled?: boolean;
  /** The element's id, when a screen names it otherwise than `field-<name>`. */
  id?: string;
}

/** A plain select styled as the design system's input (keyboard and tests friendly). */
export const Choice: React.FC<ChoiceProps> = ({ name, value, options, onChange, disabled, id }) => (
  <Input
    as="select"
    id={id ?? `field-${name}`}
    name={name}
    value={value}
    disabled={disabled}
    onChange={(e: React.ChangeEvent<HTMLSelectElement>) => onChange(e.target.value)}
    style={{ width: '100%' }}
  >
    {options.map((o) => (
      <option key={o.value} value={o.value}>
        {o.label}
      </option>
    ))}
  </Input>
);
