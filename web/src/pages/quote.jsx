// The quote: the final price for the chosen hours, as the rent action states
// it, before the wallet opens; then rent through the wallet. The quote is
// read once per choice of hours and signed exactly as shown: if the listing
// changes before the signature lands, the rental is refused and says so.
import { useEffect, useState } from "preact/hooks";
import { get, getStrict, sol } from "../api.js";
import { takeAction } from "../actions.js";
import { useAction } from "../hooks.js";
import { Link, navigate } from "../router.jsx";
import { ActionStatus, Notice } from "../notice.jsx";

/** The quote page of `listing`. */
export function Quote({ listing, session }) {
  const [account, setAccount] = useState(undefined);
  const [hours, setHours] = useState("");
  const [quote, setQuote] = useState(null);
  const [quoteError, setQuoteError] = useState(null);
  const [generation, setGeneration] = useState(0);
  const [status, run] = useAction(session, takeAction);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get(`/v1/listings/${listing}`)
      .then((l) => {
        setAccount(l);
        if (l && hours === "") setHours(String(l.min_hours));
      })
      .catch((e) => setQuoteError(e.message));
  }, [listing, generation]);

  useEffect(() => {
    if (!account || hours === "") return;
    setQuote(null);
    setQuoteError(null);
    if (!/^\d{1,6}$/.test(hours)) {
      setQuoteError(`"${hours}" is not a whole number of hours.`);
      return;
    }
    let live = true;
    getStrict(`/api/actions/rent/${listing}?hours=${hours}`)
      .then((q) => live && setQuote(q))
      .catch((e) => live && setQuoteError(e.message));
    return () => (live = false);
  }, [account, hours, generation]);

  if (account === null) return <Notice kind="error">No listing at {listing}.</Notice>;
  if (account === undefined) return quoteError ? <Notice kind="error">{quoteError}</Notice> : <p class="muted">Loading…</p>;
  const rent = quote?.links?.actions?.[0];
  const click = async () => {
    setBusy(true);
    const done = await run(rent.href, "Rented");
    setBusy(false);
    if (done) navigate("/app/leases");
  };
  return (
    <section>
      <p>
        <Link href="/app/">← all listings</Link>
      </p>
      <h1>
        {account.gpu_count}× {account.gpu_model} ({account.vram_gb} GB) in {account.region}
      </h1>
      <p>
        {sol(account.price_lamports_per_hour)} per hour, {account.min_hours} to {account.max_hours} hours;{" "}
        {account.capacity - account.active_leases} of {account.capacity} slots free.
      </p>
      <label>
        Hours{" "}
        <input
          type="number"
          min={account.min_hours}
          max={account.max_hours}
          value={hours}
          onInput={(e) => setHours(e.currentTarget.value)}
          name="hours"
        />
      </label>
      {quoteError && <Notice kind="error">{quoteError}</Notice>}
      {quote && (
        <div class="quote" data-testid="quote">
          <h2>Final price</h2>
          <p data-testid="quote-description">{quote.description}</p>
          {!session && <Notice kind="error">Connect a wallet to rent.</Notice>}
          <button disabled={!session || busy || !rent} onClick={click} data-testid="rent">
            {rent?.label ?? "Rent"}
          </button>
          <button class="secondary" onClick={() => setGeneration(generation + 1)} data-testid="requote">
            Quote again
          </button>
        </div>
      )}
      <ActionStatus status={status} />
    </section>
  );
}
