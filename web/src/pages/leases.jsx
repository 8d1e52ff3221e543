// "My leases": every lease the connected wallet rented, live, with its
// attested timeline, money and the actions it allows now (from the lease's
// Solana Action).
import { useState } from "preact/hooks";
import { get, getStrict, sol, duration } from "../api.js";
import { takeAction } from "../actions.js";
import { usePoll, useAction } from "../hooks.js";
import { Link } from "../router.jsx";
import { ActionStatus, Notice } from "../notice.jsx";
import { Timeline } from "../timeline.jsx";

/** The actions a role may take on a lease, by the end of their link's path. */
export const RENTER_ACTIONS = ["extend", "cancel", "settle"];

function actionName(href) {
  return new URL(href, location.origin).pathname.split("/").pop();
}

/** A lease's money, exact: what went in and where it went. */
export function Money({ lease: l }) {
  const escrow = BigInt(l.deposited) - BigInt(l.paid_out) - BigInt(l.fee_paid) - BigInt(l.refunded);
  return (
    <dl class="money" data-testid="money">
      <dt>Deposited</dt>
      <dd data-testid="deposited">{sol(l.deposited)}</dd>
      <dt>Paid to the provider</dt>
      <dd data-testid="paid-out">{sol(l.paid_out)}</dd>
      <dt>Protocol fee</dt>
      <dd>{sol(l.fee_paid)}</dd>
      <dt>Refunded</dt>
      <dd data-testid="refunded">{sol(l.refunded)}</dd>
      <dt>In escrow</dt>
      <dd data-testid="in-escrow">{sol(escrow)}</dd>
    </dl>
  );
}

/** One lease: state, timeline, money and the `roles`' action buttons. */
export function LeaseCard({ summary, session, roles }) {
  const [hours, setHours] = useState("1");
  const [status, run] = useAction(session, takeAction);
  const { data } = usePoll(async () => {
    const [detail, action] = await Promise.all([
      get(`/v1/leases/${summary.pubkey}`),
      summary.state === "settled" ? null : get(`/api/actions/lease/${summary.pubkey}`),
    ]);
    return { detail, action };
  }, [summary.pubkey, summary.state]);
  const l = data?.detail ?? summary;
  const now = Math.floor(Date.now() / 1000);
  const periods = (data?.detail?.history ?? [])
    .filter((h) => h.kind === "UptimeAttested")
    .map((h) => h.data);
  const links = (data?.action?.links?.actions ?? []).filter((a) => roles.includes(actionName(a.href)));
  const take = (link) => run(link.href.replace("{hours}", encodeURIComponent(hours)), link.label);
  const left = l.state === "active" ? Math.max(0, l.end_ts - now) : 0;
  return (
    <article class="lease" data-testid="lease" data-lease={l.pubkey} data-state={l.state}>
      <h2>
        Lease <code>{l.pubkey}</code> <span class={`state ${l.state}`} data-testid="lease-state">{l.state}</span>
      </h2>
      <p>
        {l.hours} h at {sol(l.price_lamports_per_hour)}/h on listing{" "}
        <Link href={`/app/listings/${l.listing}`}>{l.listing.slice(0, 8)}…</Link>;{" "}
        {l.state === "active" ? `${duration(left)} left` : `ended ${new Date(l.end_ts * 1000).toLocaleString()}`}; attested
        until {new Date(l.attested_until * 1000).toLocaleTimeString()}.
      </p>
      <Timeline start={l.start_ts} end={l.end_ts} periods={periods} now={now} />
      <Money lease={l} />
      {data?.action && <p class="muted" data-testid="lease-description">{data.action.description}</p>}
      <div class="actions">
        {links.map((link) => (
          <span key={link.href}>
            {link.parameters?.length > 0 && (
              <input type="number" min="1" value={hours} onInput={(e) => setHours(e.currentTarget.value)}
                aria-label={link.parameters[0].label} name={link.parameters[0].name} />
            )}
            <button onClick={() => take(link)} data-testid={`action-${actionName(link.href)}`}>
              {link.label}
            </button>
          </span>
        ))}
      </div>
      <ActionStatus status={status} />
    </article>
  );
}

/** The renter's page. */
export function Leases({ session }) {
  const address = session?.account.address;
  const { data, error } = usePoll(
    async () => (address ? getStrict(`/v1/leases?renter=${address}&limit=100`) : null),
    [address],
  );
  if (!session) return <Notice kind="error">Connect a wallet to see its leases.</Notice>;
  return (
    <section>
      <h1>My leases</h1>
      {error && <Notice kind="error">{error.message}</Notice>}
      {data && data.items.length === 0 && (
        <p class="muted">
          No lease for this wallet yet: <Link href="/app/">browse the listings</Link>.
        </p>
      )}
      {data?.items.map((lease) => (
        <LeaseCard key={lease.pubkey} summary={lease} session={session} roles={RENTER_ACTIONS} />
      ))}
    </section>
  );
}
