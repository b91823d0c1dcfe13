/**
 * The webview's side of the channel to the extension: a typed wrapper over `acquireVsCodeApi()` (which may be
 * called once per page). Messages and state are typed by the protocol in `src/protocol/webview.ts`.
 */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host<Out, State> {
  post(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

let api: VsCodeApi | undefined;

export function connectHost<Out, State>(): Host<Out, State> {
  api ??= acquireVsCodeApi();
  const a = api;
  return {
    post: (m) => a.postMessage(m),
    getState: () => (a.getState() ?? undefined) as State | undefined,
    setState: (s) => a.setState(s),
  };
}

/**
 * Listens for messages from the extension. Only `window` messages whose data has a string `type` are passed
 * on; the receiving switch ends in `assertNever`, which throws for unknown types, and that error is shown in
 * the page rather than swallowed.
 */
export function onHostMessage<In extends { type: string }>(
  handle: (m: In) => void,
  onError: (e: Error) => void,
): void {
  window.addEventListener('message', (ev: MessageEvent) => {
    const d: unknown = ev.data;
    if (typeof d !== 'object' || d === null || typeof (d as { type?: unknown }).type !== 'string') return;
    try {
      handle(d as In);
    } catch (e) {
      onError(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
