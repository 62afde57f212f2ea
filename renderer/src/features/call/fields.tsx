import { createContext, useContext, useState, type ChangeEvent, type ReactNode } from 'react';
import { Controller, get, useFormContext, useWatch, type FieldPath } from 'react-hook-form';
import { textLimitOf } from '../../../../shared/domain/call-record';
import { tooLongProblem } from '../../../../shared/domain/finalise';
import { fieldId, type FormValues } from './form-model';

/*
 * Form fields in the NHS.UK pattern: a label, an optional hint, the error or finalise issue right
 * above the input, and the input. Ids come from the field's path so finalise issues can link to
 * them. Every field reads react-hook-form's context.
 */

type Path = FieldPath<FormValues>;

/** Finalise issues by field path, shown at the fields once a finalise has been asked for. */
export const IssuesContext = createContext<ReadonlyMap<string, string[]>>(new Map());

/** Fields whose text is on screen but too long to save in a draft (the rest of the record is saved). */
export const HeldBackContext = createContext<ReadonlySet<string>>(new Set());

export const HELD_BACK_MESSAGE =
  'Too long to save: a draft holds about a million characters in all. This text is on screen but not saved, and would be lost if this window closed: shorten it to save it.';

const count = (n: number) => n.toLocaleString('en-GB');
const characters = (n: number) => `${count(n)} character${n === 1 ? '' : 's'}`;

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

/**
 * What the field says about its value: too long to save, its own check, and (after a finalise was
 * asked for) the finalise issues. One problem is one message: the field check and the finalise
 * check use the same sentence, and a length over the clinical limit is said by the counter.
 */
function useMessages(path: string, counted?: { length: number; limit: number }): string[] {
  const { formState } = useFormContext<FormValues>();
  const issues = useContext(IssuesContext);
  const heldBack = useContext(HeldBackContext).has(path);
  const err = get(formState.errors, path) as { message?: string } | undefined;
  const tooLong = counted ? tooLongProblem(counted.length, counted.limit) : null;
  const all = [...(heldBack ? [HELD_BACK_MESSAGE] : []), ...(err?.message ? [err.message] : []), ...(issues.get(path) ?? [])];
  return [...new Set(all)].filter((m) => m !== tooLong);
}

/** The clinical limit of a text field and how much it holds now, when it has one. */
function useLimit(path: Path): { length: number; limit: number } | undefined {
  const { control } = useFormContext<FormValues>();
  const limit = textLimitOf(path);
  const value = useWatch({ control, name: path, disabled: limit === null }) as unknown;
  return limit === null ? undefined : { length: typeof value === 'string' ? value.length : 0, limit };
}

/**
 * Whether a field's character count shows: free text from 80 % of its clinical limit, so the limit
 * is seen before it is reached; a short identifier (a phone number, a postcode: limits under 100)
 * only once it is over, where counting down every ordinary postcode would only be noise.
 */
export function countShown(counted: { length: number; limit: number } | undefined): boolean {
  return !!counted && counted.length >= (counted.limit >= 100 ? counted.limit * 0.8 : counted.limit + 1);
}

/**
 * The NHS.UK character count (see countShown); past the limit, how many characters to cut before
 * finalising (the draft keeps them all). Screen readers hear it when it appears and when the limit
 * is passed, not per keystroke.
 */
export function CharacterCount({ id, counted }: { id: string; counted: { length: number; limit: number } | undefined }) {
  if (!counted || !countShown(counted)) return null;
  const { length, limit } = counted;
  const over = length > limit;
  const text = over
    ? `${characters(length - limit)} too many to finalise (${count(limit)} at most): shorten it before finalising.`
    : `${characters(limit - length)} left (${count(limit)} at most).`;
  return (
    <>
      <p className={`character-count${over ? ' character-count--over' : ''}`} id={id} data-testid="character-count">
        {over && <span className="visually-hidden">Error: </span>}
        {text}
      </p>
      <span className="visually-hidden" role="status">
        {over ? 'Over the limit for finalising.' : `Near the limit: ${count(limit)} characters at most.`}
      </span>
    </>
  );
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
  filter,
  filteredHint,
  warning,
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
  /** Keeps only what may be typed here (as it is typed or pasted); `dropped` when something was left out. */
  filter?: (text: string) => { value: string; dropped: boolean };
  /** Said at the field when the filter left something out. */
  filteredHint?: string;
  /** Something to check that does not stop the record (shown, never blocking). */
  warning?: string | null;
}) {
  const { register } = useFormContext<FormValues>();
  const id = useFieldId(name);
  const counted = useLimit(name);
  const messages = useMessages(name, counted);
  const [dropped, setDropped] = useState(false);
  const reg = register(name, { onBlur: onBlurExtra });
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    if (filter) {
      const el = e.target;
      const { value, dropped: was } = filter(el.value);
      if (was) {
        // Keep the caret where it was, less what was left out before it.
        const caret = filter(el.value.slice(0, el.selectionStart ?? el.value.length)).value.length;
        el.value = value;
        el.setSelectionRange(caret, caret);
      }
      setDropped(was);
    }
    return reg.onChange(e);
  };
  const countId = countShown(counted) ? `${id}-count` : undefined;
  const over = !!counted && counted.length > counted.limit;
  return (
    <div className={`field${messages.length || over ? ' field--error' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <div className="field__hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      <Messages id={`${id}-error`} messages={messages} />
      {warning && (
        <p className="field__warning" id={`${id}-warning`}>
          <span className="visually-hidden">Warning: </span>
          {warning}
        </p>
      )}
      <div className="field__row">
        <input
          id={id}
          className={`input input--${width ?? 'full'}`}
          type={type}
          inputMode={inputMode}
          autoComplete={autoComplete}
          spellCheck={false}
          aria-invalid={messages.length > 0 || undefined}
          aria-describedby={describedBy(hint !== undefined && `${id}-hint`, messages.length > 0 && `${id}-error`, !!warning && `${id}-warning`, countId, dropped && `${id}-filtered`)}
          {...reg}
          onChange={onChange}
        />
        {after}
      </div>
      {dropped && filteredHint && (
        <p className="field__note" id={`${id}-filtered`} role="status">
          {filteredHint}
        </p>
      )}
      <CharacterCount id={`${id}-count`} counted={counted} />
    </div>
  );
}

export function TextArea({ name, label, hint, rows = 3, large }: { name: Path; label: string; hint?: ReactNode; rows?: number; large?: boolean }) {
  const { register } = useFormContext<FormValues>();
  const id = useFieldId(name);
  const counted = useLimit(name);
  const messages = useMessages(name, counted);
  const countId = countShown(counted) ? `${id}-count` : undefined;
  const over = !!counted && counted.length > counted.limit;
  return (
    <div className={`field${messages.length || over ? ' field--error' : ''}`}>
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
        aria-describedby={describedBy(hint !== undefined && `${id}-hint`, messages.length > 0 && `${id}-error`, countId)}
        {...register(name)}
      />
      <CharacterCount id={`${id}-count`} counted={counted} />
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
