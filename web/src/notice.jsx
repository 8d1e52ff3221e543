// Messages to the user: errors, progress and confirmations.

/** A message box; `kind` is error, progress or done. */
export function Notice({ kind, children }) {
  return (
    <p class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"} data-testid={`notice-${kind}`}>
      {children}
    </p>
  );
}

/** The state of an action in flight: its progress, its outcome or its error. */
export function ActionStatus({ status }) {
  if (!status) return null;
  return <Notice kind={status.kind}>{status.text}</Notice>;
}
