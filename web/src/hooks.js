// Live data: a loader re-run every few seconds (and whenever its inputs
// change), so the page follows the chain without reloading.
import { useEffect, useState } from "preact/hooks";

/** How often pages refresh, milliseconds. */
export const REFRESH_MS = 2000;

/** `{ data, error, loading }` of `load()`, refreshed every REFRESH_MS while mounted. */
export function usePoll(load, inputs) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  useEffect(() => {
    let live = true;
    let timer;
    const run = async () => {
      try {
        const data = await load();
        if (live) setState({ data, error: null, loading: false });
      } catch (error) {
        if (live) setState((s) => ({ ...s, error, loading: false }));
      }
      if (live) timer = setTimeout(run, REFRESH_MS);
    };
    setState({ data: undefined, error: null, loading: true });
    run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, inputs);
  return state;
}

/** `[status, run]`: `run(href, done)` takes the action at `href` with the session's wallet, tracking its progress in `status`. */
export function useAction(session, takeAction) {
  const [status, setStatus] = useState(null);
  const run = async (href, done) => {
    if (!session) {
      setStatus({ kind: "error", text: "Connect a wallet first." });
      return false;
    }
    try {
      const { signature } = await takeAction(session, href, (text) => setStatus({ kind: "progress", text }));
      setStatus({ kind: "done", text: `Done: ${done}. Transaction ${signature}` });
      return true;
    } catch (e) {
      setStatus({ kind: "error", text: e.message });
      return false;
    }
  };
  return [status, run];
}
