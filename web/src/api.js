// The API and its Solana Actions, as the app reads them. Every refusal
// arrives as JSON with a `message` naming the problem; that message is what
// the user sees.

/** An error to show the user as it is; `status` is the API's HTTP status, if it answered. */
export class UserError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function request(path, init) {
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new UserError("The compute-escrow API did not answer. Is it running?");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new UserError(body?.message ?? `The API answered ${response.status}.`, response.status);
  }
  return body;
}

/** GET a JSON document; `null` for a 404. */
export async function get(path) {
  try {
    return await request(path);
  } catch (e) {
    if (e instanceof UserError && e.status === 404) return null;
    throw e;
  }
}

/** GET a JSON document, refusing a 404 with its message. */
export const getStrict = (path) => request(path);

/** POST a JSON body. */
export const post = (path, body) =>
  request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** A query string of the non-empty values of `params`. */
export function query(params) {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== "");
  return entries.length ? "?" + new URLSearchParams(entries).toString() : "";
}

/** Lamports (decimal string or number) as SOL, without trailing zeros. */
export function sol(lamports) {
  const n = BigInt(lamports);
  const whole = n / 1_000_000_000n;
  const frac = (n % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${whole}${frac ? "." + frac : ""} SOL`;
}

/** SOL typed by the user as lamports (exact, no floating point); `null` if it is not an amount. */
export function lamportsOf(text) {
  const m = /^\s*(\d{1,10})(?:\.(\d{1,9}))?\s*$/.exec(text);
  if (!m) return null;
  return (BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"))).toString();
}

/** Seconds as "1 h 02 min", "3 min 05 s" or "12 s". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds)));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${s} s`;
}
