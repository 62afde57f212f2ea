import { create } from 'zustand';
import type { ContractError, ExportProgressEvent, ExportResult, ShiftSummaryView, SummaryTeam } from '../../../shared/contract';
import { londonDateOf } from '../../../shared/lib/calendar';
import { AUDIENCE_LABELS, type Audience } from '../../../shared/lib/disclosure';
import type { ExportFormat } from '../../../shared/lib/shift-export-formats';
import { currentShift, DEFAULT_SHIFT_PRESETS, shiftOn, type ShiftPreset } from '../../../shared/lib/shift-presets';
import { desk, downloadFromHost, inBrowserHost } from '../client/desk';
import { dateFieldText, dateFromFieldText, rangeProblem } from './shift-text';
import { fromLocalText, toLocalText } from '../lib/time';
import { announce } from './app';

/*
 * The Shift workspace (team leads and administrators): which team and shift, the figures the core
 * makes for it (summaries.shift: from the team's records on this desk, so offline too), refreshed
 * whenever records sync, and the files exported from it with their progress.
 *
 * A range that cannot be summarised is said at its field before anything is asked; whatever the
 * core still refuses (a team the user does not lead, a range the server will not cover) comes back
 * with its field and is shown there too. A file is for an audience the lead chooses every time
 * (nothing is preselected), and its progress comes as summaries.exportProgress events: from the
 * desktop shell's save dialog (app.saveExport), or from the browser host's download route.
 */

export type ShiftField = 'teamId' | 'preset' | 'date' | 'from' | 'to' | 'audience';

export type ShiftChoice = { kind: 'preset'; presetId: string; dateText: string } | { kind: 'range'; fromText: string; toText: string };

export interface ExportState {
  exportId: string;
  format: ExportFormat;
  audience: Audience;
  phase: ExportProgressEvent['phase'] | 'starting';
  done: number;
  total: number;
}

export interface ExportOutcome {
  tone: 'success' | 'error';
  text: string;
}

interface ShiftState {
  teams: SummaryTeam[];
  teamId: string | null;
  presets: ShiftPreset[];
  presetsConfigured: boolean;
  choice: ShiftChoice;
  fieldErrors: Partial<Record<ShiftField, string>>;
  /** The figures on screen, and the range they are for. */
  view: ShiftSummaryView | null;
  loading: boolean;
  /** Why the figures could not be made (not at a field). */
  error: string | null;
  audience: Audience | null;
  exporting: ExportState | null;
  exportOutcome: ExportOutcome | null;
  /** Loads the user's teams and the current shift of the first (on opening the workspace). */
  open(): Promise<void>;
  setTeam(teamId: string): Promise<void>;
  setChoice(choice: ShiftChoice): void;
  /** Makes the figures for the chosen team and range. */
  show(): Promise<void>;
  setAudience(a: Audience): void;
  exportFile(format: ExportFormat): Promise<void>;
  cancelExport(): Promise<void>;
  progressEvent(e: ExportProgressEvent): void;
  /** Records synced: the figures on screen are made again. */
  recordsChanged(): void;
  /** Makes the figures on screen again, for the same team and range (never what is being typed in the fields). */
  refresh(): Promise<void>;
  /** Someone else is at the desk: forget the last person's figures. */
  reset(): void;
  /** The range on screen (else the one chosen) as the custom range's field texts. */
  rangeTextsShown(): { fromText: string; toText: string };
}

/** The range a choice names, or the field that is wrong with it. */
export function rangeOf(choice: ShiftChoice, presets: readonly ShiftPreset[]): { from: string; to: string } | { field: ShiftField; message: string } {
  if (choice.kind === 'preset') {
    const preset = presets.find((p) => p.id === choice.presetId);
    if (!preset) return { field: 'preset', message: 'Choose a shift.' };
    const date = dateFromFieldText(choice.dateText);
    if (!date) return { field: 'date', message: 'Enter the day the shift starts as day/month/year, for example 24/10/2026.' };
    const s = shiftOn(preset, date);
    return { from: s.from.toISOString(), to: s.to.toISOString() };
  }
  const from = fromLocalText(choice.fromText);
  const to = fromLocalText(choice.toText);
  const problem = rangeProblem(from, to);
  return problem ?? { from: from!, to: to! };
}

/** The core's refusal at its field (teamId, from, to), else as a message for the whole workspace. */
function atFields(error: ContractError): { fieldErrors: Partial<Record<ShiftField, string>>; error: string | null } {
  const fieldErrors: Partial<Record<ShiftField, string>> = {};
  for (const f of error.fields ?? []) {
    const key = f.field === 'teamId' ? 'teamId' : f.field === 'from' ? 'from' : f.field === 'to' ? 'to' : null;
    if (key) fieldErrors[key] = sentence(f.message);
  }
  return Object.keys(fieldErrors).length > 0 ? { fieldErrors, error: null } : { fieldErrors, error: error.message };
}

const sentence = (s: string) => {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
};

function defaultChoice(presets: readonly ShiftPreset[], now: Date): ShiftChoice {
  const current = currentShift(presets, now);
  if (current) return { kind: 'preset', presetId: current.preset.id, dateText: dateFieldText(current.date) };
  return { kind: 'preset', presetId: presets[0]?.id ?? 'day', dateText: dateFieldText(londonDateOf(now)) };
}

const FORMAT_NAMES: Record<ExportFormat, string> = { csv: 'CSV', xlsx: 'Excel (XLSX)', pdf: 'PDF' };

let refreshTimer: ReturnType<typeof setTimeout> | null = null;
/** Each summary asked for; an answer older than the latest is dropped. */
let asked = 0;

export const useShift = create<ShiftState>((set, get) => ({
  teams: [],
  teamId: null,
  presets: [...DEFAULT_SHIFT_PRESETS],
  presetsConfigured: false,
  choice: defaultChoice(DEFAULT_SHIFT_PRESETS, new Date()),
  fieldErrors: {},
  view: null,
  loading: false,
  error: null,
  audience: null,
  exporting: null,
  exportOutcome: null,

  async open() {
    if (get().teams.length > 0) {
      await get().refresh();
      return;
    }
    set({ loading: true, error: null });
    const r = await desk().call('summaries.teams', {});
    if (!r.ok) {
      set({ loading: false, error: r.error.message });
      return;
    }
    const teams = r.value.teams;
    set({ teams });
    if (teams.length === 0) {
      set({ loading: false, error: 'Your account leads no team, so there is no shift to show.' });
      return;
    }
    await get().setTeam(teams[0]!.id);
  },

  async setTeam(teamId) {
    set({ teamId, view: null, fieldErrors: {}, loading: true, error: null });
    const r = await desk().call('summaries.teamContext', { teamId });
    if (get().teamId !== teamId) return;
    if (!r.ok) {
      const { fieldErrors, error } = atFields(r.error);
      set({ loading: false, fieldErrors, error });
      return;
    }
    const context = r.value.context;
    const presets = context?.presets ?? [...DEFAULT_SHIFT_PRESETS];
    set({ presets, presetsConfigured: context?.presetsConfigured ?? false, choice: defaultChoice(presets, new Date()) });
    await get().show();
  },

  setChoice(choice) {
    set({ choice, fieldErrors: {} });
  },

  async show() {
    const { teamId, choice, presets } = get();
    if (!teamId) return;
    const range = rangeOf(choice, presets);
    if ('field' in range) {
      set({ fieldErrors: { [range.field]: range.message }, loading: false });
      return;
    }
    const mine = ++asked;
    set({ loading: true, error: null, fieldErrors: {} });
    const r = await desk().call('summaries.shift', { teamId, from: range.from, to: range.to });
    if (mine !== asked) return;
    if (!r.ok) {
      const { fieldErrors, error } = atFields(r.error);
      set({ loading: false, fieldErrors, error, view: null });
      return;
    }
    set({ view: r.value, loading: false, error: null, fieldErrors: {} });
  },

  setAudience(audience) {
    set((s) => ({ audience, fieldErrors: { ...s.fieldErrors, audience: undefined } }));
  },

  async exportFile(format) {
    const { view, audience, exporting } = get();
    if (exporting || !view) return;
    if (!audience) {
      set((s) => ({ fieldErrors: { ...s.fieldErrors, audience: 'Choose who the file is for before exporting it.' } }));
      document.getElementById('shift-audience-handover')?.focus();
      return;
    }
    const exportId = crypto.randomUUID();
    const params = { exportId, teamId: view.summary.teamId, from: view.summary.from, to: view.summary.to, format, audience };
    set({ exporting: { exportId, format, audience, phase: 'starting', done: 0, total: 1 }, exportOutcome: null });
    if (inBrowserHost()) {
      // The host makes the file and answers it as a download; progress and the outcome come as events.
      const r = await downloadFromHost(`/exports/shift?${new URLSearchParams(params)}`);
      if (!r.ok && get().exporting?.exportId === exportId) finish(set, { tone: 'error', text: r.message });
      return;
    }
    const r = await desk().call('app.saveExport', params);
    if (get().exporting?.exportId !== exportId) return;
    if (!r.ok) return finish(set, { tone: 'error', text: r.error.message });
    if (r.value === null) return finish(set, { tone: 'error', text: 'Not exported: no place to save the file was chosen.' });
    finish(set, { tone: 'success', text: saved(r.value, format, audience) });
  },

  async cancelExport() {
    const e = get().exporting;
    if (!e) return;
    await desk().call('summaries.cancelExport', { exportId: e.exportId });
  },

  progressEvent(e) {
    const current = get().exporting;
    if (!current || current.exportId !== e.exportId) return;
    if (e.phase === 'cancelled') return finish(set, { tone: 'error', text: 'Export cancelled: no file was saved.' });
    if (e.phase === 'failed') return finish(set, { tone: 'error', text: e.error?.message ?? 'The export failed: no file was saved.' });
    if (e.phase === 'done' && inBrowserHost()) {
      const behind = get().view?.summary.unsyncedDesks.length ?? 0;
      return finish(set, { tone: 'success', text: `${FORMAT_NAMES[current.format]} file made (${AUDIENCE_LABELS[current.audience].toLowerCase()}): your browser saves it in its downloads.${behindNote(behind)}` });
    }
    set({ exporting: { ...current, phase: e.phase, done: e.done, total: e.total } });
  },

  recordsChanged() {
    if (!get().view) return;
    // Several pulls in a row make one refresh.
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      void get().refresh();
    }, 300);
  },

  async refresh() {
    const shown = get().view;
    if (!shown) return;
    const mine = ++asked;
    const r = await desk().call('summaries.shift', { teamId: shown.summary.teamId, from: shown.summary.from, to: shown.summary.to });
    if (mine !== asked || !r.ok) return;
    set({ view: r.value });
  },

  rangeTextsShown() {
    const { view, choice, presets } = get();
    if (view) return rangeTexts(view.summary.from, view.summary.to);
    const r = rangeOf(choice, presets);
    return 'field' in r ? { fromText: '', toText: '' } : rangeTexts(r.from, r.to);
  },

  reset() {
    asked++;
    set({ teams: [], teamId: null, view: null, error: null, fieldErrors: {}, audience: null, exporting: null, exportOutcome: null, loading: false });
  },
}));

function behindNote(desksBehind: number): string {
  if (desksBehind === 0) return '';
  return ` ${desksBehind === 1 ? '1 desk of the team was' : `${desksBehind} desks of the team were`} behind: the file says so.`;
}

function saved(result: ExportResult, format: ExportFormat, audience: Audience): string {
  const name = result.path.split(/[/\\]/).pop();
  return `${FORMAT_NAMES[format]} file saved as ${name} (${AUDIENCE_LABELS[audience].toLowerCase()}).${behindNote(result.desksBehind)}`;
}

function finish(set: (p: Partial<ShiftState>) => void, outcome: ExportOutcome): void {
  set({ exporting: null, exportOutcome: outcome });
  announce(outcome.text, outcome.tone === 'success' ? 'success' : 'warning');
}

/** For the custom range's fields: a shown range as the text typed there. */
export const rangeTexts = (from: string, to: string) => ({ fromText: toLocalText(from), toText: toLocalText(to) });
