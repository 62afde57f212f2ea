import { originOf, RENDERER_ORIGIN, SHELL_ORIGIN } from './app-protocol';

/*
 * The rules every window and web contents lives by (DESIGN.md §7), as plain functions: main.ts
 * only connects them to Electron's events, and the tests drive them with fakes.
 */

/** webPreferences for every web contents this app creates; nothing may weaken them. */
export function secureWebPreferences(preload: string | null, devTools = false) {
  return {
    ...(preload ? { preload } : {}),
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    disableDialogs: true,
    autoplayPolicy: 'user-gesture-required' as const,
    devTools,
  };
}

/** The subset of webPreferences checked before any web contents is allowed to exist. */
export interface WebPreferencesLike {
  sandbox?: boolean;
  contextIsolation?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInWorker?: boolean;
  nodeIntegrationInSubFrames?: boolean;
  webviewTag?: boolean;
  webSecurity?: boolean;
  allowRunningInsecureContent?: boolean;
  experimentalFeatures?: boolean;
  preload?: string;
}

/** What is wrong with a set of webPreferences (empty when safe). */
export function weakWebPreferences(p: WebPreferencesLike, allowedPreloads: string[]): string[] {
  const problems: string[] = [];
  if (p.sandbox !== true) problems.push('sandbox must be on');
  if (p.contextIsolation === false) problems.push('contextIsolation must be on');
  if (p.nodeIntegration) problems.push('nodeIntegration must be off');
  if (p.nodeIntegrationInWorker) problems.push('nodeIntegrationInWorker must be off');
  if (p.nodeIntegrationInSubFrames) problems.push('nodeIntegrationInSubFrames must be off');
  if (p.webviewTag) problems.push('webviewTag must be off');
  if (p.webSecurity === false) problems.push('webSecurity must be on');
  if (p.allowRunningInsecureContent) problems.push('allowRunningInsecureContent must be off');
  if (p.experimentalFeatures) problems.push('experimentalFeatures must be off');
  if (p.preload && !allowedPreloads.includes(p.preload)) problems.push('unknown preload script');
  return problems;
}

/** Where a web contents may navigate: the shell's own pages may post their forms to app://shell; nothing else moves. */
export function allowNavigation(url: string, kind: 'renderer' | 'shell'): boolean {
  return kind === 'shell' && originOf(url) === SHELL_ORIGIN;
}

/** Links the clinician may open in their browser: https only, on these hosts (and their subdomains). */
export const EXTERNAL_LINK_HOSTS = ['nhs.uk', 'gov.uk', 'openreferraluk.org'];

/** True when url may be handed to shell.openExternal. Everything else is refused, whoever asks. */
export function isAllowedExternalLink(url: string, extraHosts: string[] = []): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return false;
  const host = u.hostname.toLowerCase();
  return [...EXTERNAL_LINK_HOSTS, ...extraHosts].some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}

/** New windows are never opened; an allow-listed https link goes to the system browser instead. */
export function windowOpenDecision(url: string, extraHosts: string[] = []): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: isAllowedExternalLink(url, extraHosts) };
}

/** Every permission request (camera, notifications, clipboard read, …) and check is answered no. */
export function permissionRequestHandler(_webContents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

export function permissionCheckHandler(): boolean {
  return false;
}

/** The frame an IPC message came from, as far as the check needs it. */
export interface SenderFrameLike {
  url: string;
  /** The top frame of its page has no parent. */
  parent: unknown;
}

export interface IpcEventLike {
  sender: { id: number };
  senderFrame: SenderFrameLike | null;
}

/**
 * An IPC message is trusted only from the top frame of one of this app's screens, showing the
 * renderer from app://desk. A frame inside the page, another web contents, a page that somehow
 * navigated elsewhere, or a frame already gone (null) is refused.
 */
export function isTrustedSender(event: IpcEventLike, screenIds: ReadonlySet<number>): boolean {
  if (!screenIds.has(event.sender.id)) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  return originOf(frame.url) === RENDERER_ORIGIN;
}

/** DevTools: always in development; in a packaged build only when the machine policy allows them. */
export function devToolsAllowed(packaged: boolean, policyAllows: boolean): boolean {
  return !packaged || policyAllows;
}
