// The compute-escrow web app: listings, a quote, "my leases" and the
// provider's view, each a page under /app/ (so /actions.json can map them to
// their Solana Actions). Every transaction is built by the API's actions and
// signed by a Wallet Standard wallet.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { discoverWallets, connect, disconnect } from "./wallet.js";
import { Listings } from "./pages/listings.jsx";
import { Quote } from "./pages/quote.jsx";
import { Leases } from "./pages/leases.jsx";
import { ProviderPage } from "./pages/provider.jsx";
import { Notice } from "./notice.jsx";
import { Link, usePath } from "./router.jsx";

/** Where the app remembers the wallet last connected. */
const REMEMBERED = "compute-escrow.wallet";

function WalletBar({ session, setSession }) {
  const [wallets, setWallets] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    const found = discoverWallets(setWallets);
    setWallets(found.wallets);
    return found.stop;
  }, []);
  const choose = async (wallet, silent = false) => {
    setError(null);
    try {
      setSession({ wallet, account: await connect(wallet, silent) });
      localStorage.setItem(REMEMBERED, wallet.name);
    } catch (e) {
      if (!silent) setError(e.message);
    }
  };
  // The wallet chosen last time reconnects without asking, if it allows.
  useEffect(() => {
    const remembered = wallets.find((w) => w.name === localStorage.getItem(REMEMBERED));
    if (remembered && !session) choose(remembered, true);
  }, [wallets]);
  if (session) {
    const leave = async () => {
      localStorage.removeItem(REMEMBERED);
      await disconnect(session.wallet).catch(() => {});
      setSession(null);
    };
    return (
      <div class="wallet" data-testid="wallet">
        <img src={session.wallet.icon} alt="" />
        <span data-testid="account">{session.account.address}</span>
        <button onClick={leave}>Disconnect</button>
      </div>
    );
  }
  return (
    <div class="wallet" data-testid="wallet">
      {wallets.length === 0 && <span>No Solana wallet found: install one (Phantom, Solflare, Backpack…) to rent.</span>}
      {wallets.map((w) => (
        <button key={w.name} onClick={() => choose(w)} data-testid="connect">
          <img src={w.icon} alt="" /> Connect {w.name}
        </button>
      ))}
      {error && <Notice kind="error">{error}</Notice>}
    </div>
  );
}

function App() {
  const path = usePath();
  const [session, setSession] = useState(null);
  const quote = /^\/app\/listings\/([1-9A-HJ-NP-Za-km-z]{32,44})$/.exec(path);
  let page;
  if (quote) page = <Quote listing={quote[1]} session={session} />;
  else if (path === "/app/leases") page = <Leases session={session} />;
  else if (path === "/app/provider") page = <ProviderPage session={session} />;
  else page = <Listings />;
  return (
    <>
      <header>
        <Link href="/app/" class="brand">
          <img src="/app/icon.svg" alt="" /> compute-escrow
        </Link>
        <nav>
          <Link href="/app/">Listings</Link>
          <Link href="/app/leases">My leases</Link>
          <Link href="/app/provider">Provider</Link>
        </nav>
        <WalletBar session={session} setSession={setSession} />
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById("app"));
