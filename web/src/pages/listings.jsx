// Listings with filters and sort, each with its provider's track record.
import { useState } from "preact/hooks";
import { get, getStrict, query, sol, lamportsOf, duration } from "../api.js";
import { usePoll } from "../hooks.js";
import { Link } from "../router.jsx";
import { Notice } from "../notice.jsx";

const records = new Map();

/** The provider's track record, fetched once per page load per provider. */
function trackRecord(provider) {
  if (!records.has(provider)) records.set(provider, get(`/v1/providers/${provider}`));
  return records.get(provider);
}

function TrackRecord({ record }) {
  if (!record) return <span class="muted">no record yet</span>;
  const p = record;
  const leases = record.leases_by_state;
  const ratio = record.uptime_ratio == null ? "no uptime attested yet" : `${(record.uptime_ratio * 100).toFixed(1)}% up`;
  return (
    <span data-testid="track-record">
      {ratio}: {duration(p.seconds_attested)} attested, {duration(p.seconds_missed)} missed;{" "}
      {Number(leases.active) + Number(leases.ended) + Number(leases.cancelled) + Number(leases.settled)} leases (
      {leases.settled} settled)
    </span>
  );
}

/** The listings page. */
export function Listings() {
  const [filters, setFilters] = useState({ gpu_model: "", max_price: "", region: "", sort: "price" });
  const maxPrice = filters.max_price.trim() === "" ? "" : lamportsOf(filters.max_price);
  const { data, error, loading } = usePoll(async () => {
    if (maxPrice === null) return null;
    const page = await getStrict(
      "/v1/listings" +
        query({
          gpu_model: filters.gpu_model.trim(),
          region: filters.region.trim(),
          max_price_lamports_per_hour: maxPrice,
          sort: filters.sort,
          limit: 100,
        }),
    );
    const withRecords = await Promise.all(
      page.items.map(async (listing) => ({ listing, record: await trackRecord(listing.provider) })),
    );
    return withRecords;
  }, [filters.gpu_model, filters.region, maxPrice, filters.sort]);
  const set = (key) => (e) => setFilters({ ...filters, [key]: e.currentTarget.value });
  return (
    <section>
      <h1>GPU listings</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          GPU model <input value={filters.gpu_model} onInput={set("gpu_model")} placeholder="H100" name="gpu_model" />
        </label>
        <label>
          Max price (SOL/h) <input value={filters.max_price} onInput={set("max_price")} placeholder="2.5" name="max_price" />
        </label>
        <label>
          Region <input value={filters.region} onInput={set("region")} placeholder="eu-west" name="region" />
        </label>
        <label>
          Sort{" "}
          <select value={filters.sort} onChange={set("sort")} name="sort">
            <option value="price">cheapest first</option>
            <option value="newest">newest first</option>
          </select>
        </label>
      </form>
      {maxPrice === null && <Notice kind="error">"{filters.max_price}" is not an amount of SOL.</Notice>}
      {error && <Notice kind="error">{error.message}</Notice>}
      {loading && <p class="muted">Loading listings…</p>}
      {data && data.length === 0 && <p class="muted">No active listing matches.</p>}
      {data && data.length > 0 && (
        <table class="listings">
          <thead>
            <tr>
              <th>Machine</th>
              <th>Region</th>
              <th>Price</th>
              <th>Hours</th>
              <th>Free slots</th>
              <th>Provider's track record</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.map(({ listing: l, record }) => (
              <tr key={l.pubkey} data-testid="listing" data-listing={l.pubkey}>
                <td>
                  {l.gpu_count}× {l.gpu_model} ({l.vram_gb} GB)
                </td>
                <td>{l.region}</td>
                <td>{sol(l.price_lamports_per_hour)}/h</td>
                <td>
                  {l.min_hours}–{l.max_hours}
                </td>
                <td>
                  {l.capacity - l.active_leases} of {l.capacity}
                </td>
                <td>
                  <TrackRecord record={record} />
                </td>
                <td>
                  <Link href={`/app/listings/${l.pubkey}`} class="button" data-testid="quote-link">
                    Quote
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
