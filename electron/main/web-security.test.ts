import { describe, expect, it, vi } from 'vitest';
import {
  allowNavigation,
  devToolsAllowed,
  isAllowedExternalLink,
  isTrustedSender,
  permissionCheckHandler,
  permissionRequestHandler,
  secureWebPreferences,
  weakWebPreferences,
  windowOpenDecision,
} from './web-security';

describe('webPreferences', () => {
  it('are sandboxed, isolated, without Node, webviews or relaxed web security', () => {
    const p = secureWebPreferences('/app/preload.cjs');
    expect(p).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webviewTag: false, webSecurity: true, allowRunningInsecureContent: false, experimentalFeatures: false, devTools: false });
    expect(weakWebPreferences(p, ['/app/preload.cjs'])).toEqual([]);
  });

  it('names every weakening, and an unknown preload', () => {
    expect(
      weakWebPreferences({ sandbox: false, contextIsolation: false, nodeIntegration: true, nodeIntegrationInSubFrames: true, webviewTag: true, webSecurity: false, allowRunningInsecureContent: true, preload: '/tmp/evil.js' }, ['/app/preload.cjs']),
    ).toEqual([
      'sandbox must be on',
      'contextIsolation must be on',
      'nodeIntegration must be off',
      'nodeIntegrationInSubFrames must be off',
      'webviewTag must be off',
      'webSecurity must be on',
      'allowRunningInsecureContent must be off',
      'unknown preload script',
    ]);
    // sandbox left to a default is not good enough
    expect(weakWebPreferences({}, [])).toEqual(['sandbox must be on']);
  });
});

describe('navigation', () => {
  it('is denied for the screen, whatever the address', () => {
    for (const url of ['https://evil.example/', 'app://desk/index.html', 'file:///etc/passwd', 'app://shell/', 'javascript:alert(1)', 'not a url']) {
      expect(allowNavigation(url, 'renderer')).toBe(false);
    }
  });

  it('lets the shell pages post back to app://shell only', () => {
    expect(allowNavigation('app://shell/unlock', 'shell')).toBe(true);
    expect(allowNavigation('app://desk/', 'shell')).toBe(false);
    expect(allowNavigation('https://login.example/', 'shell')).toBe(false);
  });
});

describe('new windows', () => {
  it('are always denied; an allow-listed https link goes to the system browser', () => {
    expect(windowOpenDecision('https://www.nhs.uk/mental-health/')).toEqual({ action: 'deny', openExternally: true });
    expect(windowOpenDecision('https://evil.example/')).toEqual({ action: 'deny', openExternally: false });
    expect(windowOpenDecision('app://desk/index.html')).toEqual({ action: 'deny', openExternally: false });
  });

  it('open externally only https on allowed hosts, without credentials or odd ports', () => {
    expect(isAllowedExternalLink('https://nhs.uk/')).toBe(true);
    expect(isAllowedExternalLink('https://111.nhs.uk/x')).toBe(true);
    expect(isAllowedExternalLink('https://www.gov.uk/bank-holidays')).toBe(true);
    expect(isAllowedExternalLink('http://www.nhs.uk/')).toBe(false);
    expect(isAllowedExternalLink('https://nhs.uk.evil.example/')).toBe(false);
    expect(isAllowedExternalLink('https://evilnhs.uk/')).toBe(false);
    expect(isAllowedExternalLink('https://user:pw@nhs.uk/')).toBe(false);
    expect(isAllowedExternalLink('https://nhs.uk:8443/')).toBe(false);
    expect(isAllowedExternalLink('file:///C:/Windows/system32/calc.exe')).toBe(false);
    expect(isAllowedExternalLink('smb://nhs.uk/share')).toBe(false);
    expect(isAllowedExternalLink('https://trust.example/', ['trust.example'])).toBe(true);
  });
});

describe('permissions', () => {
  it('are denied when requested and when checked', () => {
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      permissionRequestHandler({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(permissionCheckHandler()).toBe(false);
  });
});

describe('IPC senders', () => {
  const screens = new Set([7]);
  const top = { url: 'app://desk/index.html', parent: null };

  it('are trusted only from the top frame of a screen showing app://desk', () => {
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: top }, screens)).toBe(true);
  });

  it('are refused from another web contents, a subframe, another origin or a frame that is gone', () => {
    expect(isTrustedSender({ sender: { id: 8 }, senderFrame: top }, screens)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'app://desk/index.html', parent: {} } }, screens)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'https://evil.example/', parent: null } }, screens)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'app://shell/', parent: null } }, screens)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: { url: 'file:///index.html', parent: null } }, screens)).toBe(false);
    expect(isTrustedSender({ sender: { id: 7 }, senderFrame: null }, screens)).toBe(false);
  });
});

describe('DevTools', () => {
  it('are off in a packaged build unless the policy allows them', () => {
    expect(devToolsAllowed(true, false)).toBe(false);
    expect(devToolsAllowed(true, true)).toBe(true);
    expect(devToolsAllowed(false, false)).toBe(true);
  });
});
