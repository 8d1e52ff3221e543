// Pages are paths under /app/ (so /actions.json can map them to their
// actions); moving between them does not reload.
import { useEffect, useState } from "preact/hooks";

/** Moves to an app path without reloading. */
export function navigate(path) {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** The current path, following navigation. */
export function usePath() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return path;
}

/** A link inside the app. */
export function Link({ href, children, ...rest }) {
  const click = (e) => {
    if (e.ctrlKey || e.metaKey || e.button !== 0) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={click} {...rest}>
      {children}
    </a>
  );
}
