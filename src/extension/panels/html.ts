/**
 * The HTML shell of a panel. It carries no data: the script asks for it with `ready` and gets it by
 * `postMessage`, so the CSP can forbid every inline script. Kept free of 'vscode' so the browser tests load
 * exactly this page in Chromium.
 */
import { randomBytes } from 'node:crypto';

export interface PanelHtmlOptions {
  title: string;
  /** `webview.cspSource`: the origin allowed to serve the script, stylesheet and fonts. */
  cspSource: string;
  /** A fresh nonce per load ({@link makeNonce}). */
  nonce: string;
  /** `webview.asWebviewUri(...)` of `dist/webview/<panel>.js`. */
  scriptUri: string;
  /** `webview.asWebviewUri(...)` of `media/panels/panels.css`. */
  styleUri: string;
}

/** 128 random bits, base64: unguessable by content that might end up in the page. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Content-Security-Policy of every panel: nothing by default, the script only with its nonce. */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function panelHtml(o: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(panelCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${attr(o.title)}</title>
<link rel="stylesheet" href="${attr(o.styleUri)}">
</head>
<body>
<main id="app" aria-live="off"></main>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}
