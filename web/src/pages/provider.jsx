// The provider's page for the connected wallet (the provider's authority):
// its track record and earnings, its listings with pause and resume, and its
// leases with what each can pay out now and a claim button.
import { get, getStrict, sol, duration } from "../api.js";
import { takeAction } from "../actions.js";
import { usePoll, useAction } from "../hooks.js";
import { Link } from "../router.jsx";
import { ActionStatus, Notice } from "../notice.jsx";
import { LeaseCard } from "./leases.jsx";

function ListingRow({ listing: l, session }) {
  const [status, run] = useAction(session, takeAction);
  const toggle = l.state === "paused" ? "resume" : "pause";
  return (
    <tr data-testid="provider-listing" data-listing={l.pubkey} data-state={l.state}>
      <td>
        <Link href={`/app/listings/${l.pubkey}`}>
          {l.gpu_count}× {l.gpu_model}
        </Link>
      </td>
      <td>{sol(l.price_lamports_per_hour)}/h</td>
      <td>{l.state}</td>
      <td>
        {l.active_leases} of {l.capacity}
      </td>
      <td>
        {l.state !== "closed" && (
          <button onClick={() => run(`/api/actions/listing/${l.pubkey}/${toggle}`, `listing ${toggle}d`)} data-testid={`listing-${toggle}`}>
            {toggle === "pause" ? "Pause" : "Resume"}
          </button>
        )}
        <ActionStatus status={status} />
      </td>
    </tr>
  );
}

/** The provider's page. */
export function ProviderPage({ session }) {
  const address = session?.account.address;
  const { data, error } = usePoll(async () => {
    if (!address) return null;
    const record = await get(`/v1/providers/${address}`);
    if (!record) return { record };
    const key = record.pubkey;
    const [listings, leases] = await Promise.all([
      getStrict(`/v1/listings?provider=${key}&state=all&limit=100`),
      getStrict(`/v1/leases?provider=${key}&limit=100`),
    ]);
    return { record, listings: listings.items, leases: leases.items.filter((l) => l.state !== "settled") };
  }, [address]);
  if (!session) return <Notice kind="error">Connect the provider's wallet to see its listings and earnings.</Notice>;
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (!data) return <p class="muted">Loading…</p>;
  if (!data.record) {
    return (
      <Notice kind="error">
        This wallet is not a registered provider. Providers register and list machines with the CLI (`compute-escrow
        provider register`, `compute-escrow listing create`).
      </Notice>
    );
  }
  const p = data.record;
  return (
    <section>
      <h1>Provider</h1>
      <p data-testid="provider-record">
        Earned {sol(p.lamports_earned)} in total; {duration(p.seconds_attested)} attested up, {duration(p.seconds_missed)}{" "}
        missed; {p.leases_settled} leases settled. Payouts go to <code>{p.payout_wallet}</code>.
      </p>
      <h2>Listings</h2>
      <table class="listings">
        <thead>
          <tr>
            <th>Machine</th>
            <th>Price</th>
            <th>State</th>
            <th>Leased</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.listings.map((l) => (
            <ListingRow key={l.pubkey} listing={l} session={session} />
          ))}
        </tbody>
      </table>
      <h2>Open leases</h2>
      {data.leases.length === 0 && <p class="muted">No open lease.</p>}
      {data.leases.map((lease) => (
        <LeaseCard key={lease.pubkey} summary={lease} session={session} roles={["claim", "settle"]} />
      ))}
    </section>
  );
}
