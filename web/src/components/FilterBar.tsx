import { useState, type FormEvent, type ReactNode } from 'react';

/** Binds a form control to one filter of the form: its value and how it changes. */
export type FilterField<T> = <K extends keyof T>(key: K) => { value: T[K]; onChange: (e: { target: { value: string } }) => void };

/**
 * A list's filters as a form over a copy of those in force: the fields edit the copy, Apply
 * hands it to `onApply`, Clear hands over `empty`. Give it a `key` of the filters in force so a
 * URL change shows in the form.
 */
export function FilterBar<T extends object>({
  label,
  filters,
  empty,
  onApply,
  children,
}: {
  label: string;
  filters: T;
  empty: T;
  onApply: (filters: T) => void;
  children: (field: FilterField<T>) => ReactNode;
}) {
  const [form, setForm] = useState<T>(filters);
  const field: FilterField<T> = (key) => ({
    value: form[key],
    onChange: (e) => setForm((f) => ({ ...f, [key]: e.target.value })),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(form);
  }

  return (
    <form className="panel filter-bar" onSubmit={submit} aria-label={label}>
      {children(field)}
      <div className="filter-actions">
        <button type="submit" className="primary">
          Apply
        </button>
        <button type="button" onClick={() => onApply(empty)}>
          Clear
        </button>
      </div>
    </form>
  );
}

/** A filter that is one of `values`; with `any`, also none (''). */
export function FilterSelect<V extends string>({
  label,
  values,
  labelOf = (v) => v,
  any = true,
  value,
  onChange,
}: {
  label: string;
  values: readonly V[];
  labelOf?: (value: V) => string;
  any?: boolean;
  value: V | '';
  onChange: (e: { target: { value: string } }) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={onChange}>
        {any ? <option value="">any</option> : null}
        {values.map((v) => (
          <option key={v} value={v}>
            {labelOf(v)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A free-text filter: its label and input. */
export function FilterInput({
  label,
  value,
  onChange,
  placeholder,
  type = 'text',
}: {
  label: string;
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  placeholder?: string;
  type?: 'text' | 'search';
}) {
  return (
    <label>
      {label}
      <input type={type} value={value} onChange={onChange} placeholder={placeholder} />
    </label>
  );
}
