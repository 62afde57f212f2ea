import { createContext, useContext, type ReactNode } from 'react';
import { Controller, get, useFormContext, type FieldPath } from 'react-hook-form';
import { fieldId, type FormValues } from './form-model';

/*
 * Form fields in the NHS.UK pattern: a label, an optional hint, the error or finalise issue right
 * above the input, and the input. Ids come from the field's path so finalise issues can link to
 * them. Every field reads react-hook-form's context.
 */

type Path = FieldPath<FormValues>;

/** Finalise issues by field path, shown at the fields once a finalise has been asked for. */
export const IssuesContext = createContext<ReadonlyMap<string, string[]>>(new Map());

/**
 * A prefix for every id the fields make, so a second copy of the form (the merge editor of the
 * conflicts view, while the record is also open behind it) never repeats the record's ids.
 */
export const IdPrefixContext = createContext('');

/** The DOM id of a field (or of a section, with `raw`) in this copy of the form. */
export function useFieldId(path: string, raw = false): string {
  const prefix = useContext(IdPrefixContext);
  return prefix + (raw ? path : fieldId(path));
}

function useMessages(path: string): string[] {
  const { formState } = useFormContext<FormValues>();
  const issues = useContext(IssuesContext);
  const err = get(formState.errors, path) as { message?: string } | undefined;
  return [...(err?.message ? [err.message] : []), ...(issues.get(path) ?? [])];
}

function Messages({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <p className="field__error" id={id}>
      {messages.map((m, i) => (
        <span key={i}>
          <span className="visually-hidden">Error: </span>
          {m}
        </span>
      ))}
    </p>
  );
}

function describedBy(...ids: (string | false | undefined)[]): string | undefined {
  const s = ids.filter(Boolean).join(' ');
  return s || undefined;
}

export function TextField({
  name,
  label,
  hint,
  width,
  inputMode,
  autoComplete = 'off',
  after,
  type = 'text',
  onBlurExtra,
}: {
  name: Path;
  label: string;
  hint?: ReactNode;
  width?: 'xs' | 's' | 'm' | 'l' | 'full';
  inputMode?: 'numeric' | 'tel' | 'text';
  autoComplete?: string;
  after?: ReactNode;
  type?: 'text' | 'tel';
  onBlurExtra?: () => void;
}) {
  const { register } = useFormContext<FormValues>();
  const id = useFieldId(name);
  const messages = useMessages(name);
  const reg = register(name, { onBlur: onBlurExtra });
  return (
    <div className={`field${messages.length ? ' field--error' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <div className="field__hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      <Messages id={`${id}-error`} messages={messages} />
      <div className="field__row">
        <input
          id={id}
          className={`input input--${width ?? 'full'}`}
          type={type}
          inputMode={inputMode}
          autoComplete={autoComplete}
          spellCheck={false}
          aria-invalid={messages.length > 0 || undefined}
          aria-describedby={describedBy(hint !== undefined && `${id}-hint`, messages.length > 0 && `${id}-error`)}
          {...reg}
        />
        {after}
      </div>
    </div>
  );
}

export function TextArea({ name, label, hint, rows = 3, large }: { name: Path; label: string; hint?: ReactNode; rows?: number; large?: boolean }) {
  const { register } = useFormContext<FormValues>();
  const id = useFieldId(name);
  const messages = useMessages(name);
  return (
    <div className={`field${messages.length ? ' field--error' : ''}`}>
      <label className={`field__label${large ? ' field__label--large' : ''}`} htmlFor={id}>
        {label}
      </label>
      {hint && (
        <div className="field__hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      <Messages id={`${id}-error`} messages={messages} />
      <textarea
        id={id}
        className="textarea"
        rows={rows}
        spellCheck
        aria-invalid={messages.length > 0 || undefined}
        aria-describedby={describedBy(hint !== undefined && `${id}-hint`, messages.length > 0 && `${id}-error`)}
        {...register(name)}
      />
    </div>
  );
}

export function RadioGroup<V extends string>({
  name,
  legend,
  options,
  hint,
  inline,
  small,
}: {
  name: Path;
  legend: string;
  options: readonly { value: V; label: string; hint?: string }[];
  hint?: string;
  inline?: boolean;
  small?: boolean;
}) {
  const { register } = useFormContext<FormValues>();
  const id = useFieldId(name);
  const messages = useMessages(name);
  return (
    <fieldset
      className={`field fieldset${messages.length ? ' field--error' : ''}`}
      id={id}
      aria-describedby={describedBy(hint !== undefined && `${id}-hint`, messages.length > 0 && `${id}-error`)}
    >
      <legend className={`fieldset__legend${small ? ' fieldset__legend--small' : ''}`}>{legend}</legend>
      {hint && (
        <div className="field__hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      <Messages id={`${id}-error`} messages={messages} />
      <div className={`choices${inline ? ' choices--inline' : ''}`}>
        {options.map((o) => (
          <div className="choice" key={o.value}>
            <input className="choice__input" type="radio" id={`${id}-${o.value}`} value={o.value} {...register(name)} />
            <label className="choice__label" htmlFor={`${id}-${o.value}`}>
              {o.label}
              {o.hint && <span className="choice__hint">{o.hint}</span>}
            </label>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

export function CheckboxGroup<V extends string>({
  name,
  legend,
  options,
  hint,
  columns = 2,
  small,
}: {
  name: Path;
  legend: string;
  options: readonly { value: V; label: string; emphasis?: boolean }[];
  hint?: string;
  columns?: 1 | 2 | 3;
  small?: boolean;
}) {
  const { control } = useFormContext<FormValues>();
  const id = useFieldId(name);
  const messages = useMessages(name);
  return (
    <Controller
      control={control}
      name={name}
      render={({ field }) => {
        const value = (field.value as V[] | undefined) ?? [];
        const toggle = (v: V, on: boolean) => {
          const next = on ? [...value.filter((x) => x !== v), v] : value.filter((x) => x !== v);
          // Keep the order of the option list, so the stored record does not depend on click order.
          field.onChange(options.map((o) => o.value).filter((x) => next.includes(x)));
        };
        return (
          <fieldset
            className={`field fieldset${messages.length ? ' field--error' : ''}`}
            id={id}
            aria-describedby={describedBy(hint !== undefined && `${id}-hint`, messages.length > 0 && `${id}-error`)}
          >
            <legend className={`fieldset__legend${small ? ' fieldset__legend--small' : ''}`}>{legend}</legend>
            {hint && (
              <div className="field__hint" id={`${id}-hint`}>
                {hint}
              </div>
            )}
            <Messages id={`${id}-error`} messages={messages} />
            <div className={`checks checks--cols-${columns}`}>
              {options.map((o) => (
                <div className={`choice choice--check${o.emphasis ? ' choice--emphasis' : ''}`} key={o.value}>
                  <input
                    className="choice__input"
                    type="checkbox"
                    id={`${id}-${o.value}`}
                    checked={value.includes(o.value)}
                    onChange={(e) => toggle(o.value, e.target.checked)}
                    onBlur={field.onBlur}
                  />
                  <label className="choice__label" htmlFor={`${id}-${o.value}`}>
                    {o.label}
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
        );
      }}
    />
  );
}

export function Checkbox({ name, label, hint, emphasis }: { name: Path; label: string; hint?: string; emphasis?: boolean }) {
  const { register } = useFormContext<FormValues>();
  const id = useFieldId(name);
  const messages = useMessages(name);
  return (
    <div className={`field field--tight${messages.length ? ' field--error' : ''}`}>
      <Messages id={`${id}-error`} messages={messages} />
      <div className={`choice choice--check${emphasis ? ' choice--emphasis' : ''}`}>
        <input className="choice__input" type="checkbox" id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...register(name)} />
        <label className="choice__label" htmlFor={id}>
          {label}
          {hint && (
            <span className="choice__hint" id={`${id}-hint`}>
              {hint}
            </span>
          )}
        </label>
      </div>
    </div>
  );
}

export function SelectField<V extends string>({ name, label, options, hint }: { name: Path; label: string; options: readonly { value: V; label: string }[]; hint?: string }) {
  const { register } = useFormContext<FormValues>();
  const id = useFieldId(name);
  const messages = useMessages(name);
  return (
    <div className={`field${messages.length ? ' field--error' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <div className="field__hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      <Messages id={`${id}-error`} messages={messages} />
      <select id={id} className="select" aria-describedby={describedBy(hint !== undefined && `${id}-hint`, messages.length > 0 && `${id}-error`)} {...register(name)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Section({ id: sectionId, title, children, aside }: { id: string; title: string; children: ReactNode; aside?: ReactNode }) {
  const id = useFieldId(sectionId, true);
  return (
    <section className="record-section" id={id} aria-labelledby={`${id}-title`}>
      <div className="record-section__head">
        <h3 className="record-section__title" id={`${id}-title`}>
          {title}
        </h3>
        {aside}
      </div>
      {children}
    </section>
  );
}
