// The web app in headless Chromium against a real validator, indexer and API
// (started by indexer/tests/browser.rs, which passes their addresses and the
// parties' keys in a JSON file): a renter browses, reads the quote and rents
// 1 hour through a Wallet Standard test wallet; the attestor agent attests;
// the provider claims and pauses/resumes its listing from its own page; the
// renter cancels and settles. Every balance and account is checked on chain.
// Refusals (the wallet declining, the price changing between quote and
// signature, a stale quote, the API refusing the hours or a paused listing)
// each show a message and move nothing. Screenshots of each step go to the
// directory the config names.
//
// The test wallet is the only stand-in: it registers in the page through the
// Wallet Standard as an extension would and signs with the party's keypair.
import { execFileSync } from "node:child_process";
import { createPrivateKey, sign as ed25519Sign } from "node:crypto";
import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import anchor from "@anchor-lang/core";
import { chromium } from "playwright-core";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const idl = JSON.parse(readFileSync(config.idl, "utf8"));
const coder = new anchor.BorshAccountsCoder(idl);
const bs58 = anchor.utils.bytes.bs58;
const WAIT_MS = 120_000;
rmSync(config.screenshots, { recursive: true, force: true });
mkdirSync(config.screenshots, { recursive: true });

function step(text) {
  console.log(`[browser] ${new Date().toISOString().slice(11, 19)} ${text}`);
}

// ---- the chain, read over JSON-RPC --------------------------------------

async function rpc(method, params) {
  const response = await fetch(config.rpc, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

const confirmed = { commitment: "confirmed" };

async function balance(address) {
  return BigInt((await rpc("getBalance", [address, confirmed])).value);
}

async function balances() {
  const keys = { renter: renter.address, provider: provider.address, wallet: config.payout_wallet, treasury: config.treasury };
  const out = {};
  for (const [name, key] of Object.entries(keys)) out[name] = await balance(key);
  return out;
}

/** A program account decoded with the committed IDL (BigInt amounts), with its lamports; null if absent. */
async function account(kind, address) {
  const info = (await rpc("getAccountInfo", [address, { ...confirmed, encoding: "base64" }])).value;
  if (!info) return null;
  const decoded = coder.decode(kind, Buffer.from(info.data[0], "base64"));
  const plain = { lamports: BigInt(info.lamports), size: Buffer.from(info.data[0], "base64").length };
  for (const [k, v] of Object.entries(decoded)) {
    const camel = k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    plain[camel] = anchor.BN.isBN(v) ? BigInt(v.toString()) : v;
  }
  return plain;
}

/** An enum as the IDL coder decodes it (`{ Paused: {} }`), lower case. */
const variant = (value) => Object.keys(value)[0].toLowerCase();

/** The fee `signature` paid, from the cluster's record of it. */
async function feeOf(signature) {
  const tx = await waitFor(`transaction ${signature}`, () =>
    rpc("getTransaction", [signature, { ...confirmed, maxSupportedTransactionVersion: 0 }]),
  );
  assert.equal(tx.meta.err, null, `transaction ${signature} failed`);
  return BigInt(tx.meta.fee);
}

/** The newest signature that touched `address`. */
async function newestSignature(address) {
  const [newest] = await rpc("getSignaturesForAddress", [address, { ...confirmed, limit: 1 }]);
  return newest.signature;
}

async function waitFor(what, probe, within = WAIT_MS) {
  const deadline = Date.now() + within;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function api(path) {
  const response = await fetch(config.api + path);
  return response.ok ? response.json() : null;
}

// ---- the test wallet ------------------------------------------------------

/** A party's keypair as the test wallet holds it. */
function party(secret, name) {
  const bytes = Buffer.from(secret);
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), bytes.subarray(0, 32)]);
  return {
    name,
    address: bs58.encode(bytes.subarray(32)),
    publicKey: [...bytes.subarray(32)],
    privateKey: createPrivateKey({ key: der, format: "der", type: "pkcs8" }),
    /** What the wallet does when asked to sign: "sign", or "reject" as a user declining would. */
    mode: "sign",
    /** Runs before the signature is returned (to change the world between quote and signature). */
    beforeSign: null,
    signed: 0,
  };
}

const renter = party(config.renter, "Test Renter Wallet");
const provider = party(config.provider, "Test Provider Wallet");

function compactU16(bytes, offset) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[offset++];
    value |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [value, offset];
  }
}

/** Signs a legacy transaction (base64) as `who`, in the slot of its key. */
async function signAs(who, base64) {
  if (who.mode === "reject") throw new Error("User rejected the request.");
  const tx = Buffer.from(base64, "base64");
  const [signatures, start] = compactU16(tx, 0);
  const message = tx.subarray(start + 64 * signatures);
  const [keys, keysAt] = compactU16(message, 3);
  const index = [...Array(keys).keys()].find((i) =>
    message.subarray(keysAt + 32 * i, keysAt + 32 * i + 32).equals(Buffer.from(who.publicKey)),
  );
  if (index === undefined || index >= signatures) throw new Error(`${who.address} is not a signer of this transaction`);
  if (who.beforeSign) {
    const hook = who.beforeSign;
    who.beforeSign = null;
    await hook();
  }
  ed25519Sign(null, message, who.privateKey).copy(tx, start + 64 * index);
  who.signed += 1;
  return tx.toString("base64");
}

/** Registers `wallet` in the page through the Wallet Standard (runs in the page before the app). */
function installTestWallet({ name, address, publicKey }) {
  const icon =
    "data:image/svg+xml;base64," +
    btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8" fill="#7b2ff7"/></svg>');
  const account = {
    address,
    publicKey: new Uint8Array(publicKey),
    chains: ["solana:localnet"],
    features: ["solana:signTransaction"],
    label: name,
  };
  const listeners = {};
  const emit = (event, value) => (listeners[event] ?? []).forEach((f) => f(value));
  const wallet = {
    version: "1.0.0",
    name,
    icon,
    chains: ["solana:mainnet", "solana:devnet", "solana:testnet", "solana:localnet"],
    accounts: [],
    features: {
      "standard:connect": {
        version: "1.0.0",
        connect: async () => {
          wallet.accounts = [account];
          emit("change", { accounts: wallet.accounts });
          return { accounts: wallet.accounts };
        },
      },
      "standard:disconnect": {
        version: "1.0.0",
        disconnect: async () => {
          wallet.accounts = [];
          emit("change", { accounts: wallet.accounts });
        },
      },
      "standard:events": {
        version: "1.0.0",
        on: (event, listener) => {
          (listeners[event] ??= []).push(listener);
          return () => (listeners[event] = listeners[event].filter((l) => l !== listener));
        },
      },
      "solana:signTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy"],
        signTransaction: (...inputs) =>
          Promise.all(
            inputs.map(async ({ transaction }) => {
              const signed = await window.__testWalletSign(btoa(String.fromCharCode(...transaction)));
              return { signedTransaction: Uint8Array.from(atob(signed), (c) => c.charCodeAt(0)) };
            }),
          ),
      },
    },
  };
  const register = ({ register }) => register(wallet);
  window.addEventListener("wallet-standard:app-ready", ({ detail }) => register(detail));
  window.dispatchEvent(new CustomEvent("wallet-standard:register-wallet", { detail: register }));
}

async function pageWith(browser, who) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.exposeFunction("__testWalletSign", (base64) => signAs(who, base64));
  await context.addInitScript(installTestWallet, { name: who.name, address: who.address, publicKey: who.publicKey });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("pageerror", (e) => console.log(`[page error] ${e.message}`));
  return page;
}

async function connect(page, who) {
  await page.getByTestId("connect").filter({ hasText: who.name }).click();
  await page.getByTestId("account").filter({ hasText: who.address }).waitFor();
}

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  const path = join(config.screenshots, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  step(`screenshot ${path}`);
}

const sol = (lamports) => {
  const n = BigInt(lamports);
  const frac = (n % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${n / 1_000_000_000n}${frac ? "." + frac : ""} SOL`;
};

async function errorShown(page, pattern) {
  const notice = page.getByTestId("notice-error").filter({ hasText: pattern });
  await notice.first().waitFor();
  return notice.first().innerText();
}

/** Nothing moved for the renter, the payout wallet or the treasury (the provider may have changed its listing). */
async function assertNothingMoved(before, what) {
  const after = await balances();
  for (const who of ["renter", "wallet", "treasury"]) {
    assert.equal(after[who], before[who], `${what}: the ${who}'s balance moved`);
  }
  const leases = await api(`/v1/leases?renter=${renter.address}`);
  assert.equal(leases.items.length, 0, `${what}: a lease exists`);
}

// ---- the story ------------------------------------------------------------

const browser = await chromium.launch({ executablePath: config.chromium, args: ["--no-sandbox"] });
try {
  const listing = config.listing;
  const listed = await account("Listing", listing);
  const renterPage = await pageWith(browser, renter);

  step("the renter browses the listings, filtered and sorted");
  await renterPage.goto(`${config.api}/app/`);
  const row = renterPage.locator(`[data-listing="${listing}"]`);
  await row.waitFor();
  await row.getByTestId("track-record").waitFor();
  await renterPage.fill("input[name=gpu_model]", "A100");
  await renterPage.getByText("No active listing matches.").waitFor();
  await renterPage.fill("input[name=gpu_model]", listed.gpuModel);
  await row.waitFor();
  await renterPage.fill("input[name=max_price]", "0.000000001");
  await renterPage.getByText("No active listing matches.").waitFor();
  await renterPage.fill("input[name=max_price]", "");
  await renterPage.selectOption("select[name=sort]", "newest");
  await row.waitFor();
  await screenshot(renterPage, "listings");

  step("the renter connects the wallet and reads the quote");
  await connect(renterPage, renter);
  await row.getByTestId("quote-link").click();
  const description = renterPage.getByTestId("quote-description");
  await description.waitFor();
  const rentRent = BigInt(await rpc("getMinimumBalanceForRentExemption", [config.lease_size]));
  const price = listed.priceLamportsPerHour;
  const quoted = await description.innerText();
  assert.ok(quoted.includes(`${sol(price)} for 1 h`), quoted);
  assert.ok(quoted.includes(`${sol(price + rentRent)} in total`), quoted);
  await screenshot(renterPage, "quote");

  step("the API refuses hours out of range, with its message");
  const before = await balances();
  await renterPage.fill("input[name=hours]", String(listed.maxHours + 1));
  const hoursRefused = await errorShown(renterPage, /hours/i);
  assert.ok(hoursRefused.includes(String(listed.maxHours)), hoursRefused);
  await screenshot(renterPage, "api-refuses-hours");
  await renterPage.fill("input[name=hours]", "1");
  await description.filter({ hasText: `${sol(price)} for 1 h` }).waitFor();

  step("the wallet declines: nothing is sent");
  renter.mode = "reject";
  await renterPage.getByTestId("rent").click();
  await errorShown(renterPage, /did not sign/);
  await assertNothingMoved(before, "declined signature");
  await screenshot(renterPage, "wallet-declined");
  renter.mode = "sign";

  step("the price changes between the quote and the signature: refused by name");
  const newPrice = price * 2n;
  renter.beforeSign = async () => {
    execFileSync(config.cli, ["-C", config.provider_config, "--api", config.api, "provider", "update-listing", listing, "--price", sol(newPrice).replace(" SOL", "")], { stdio: "inherit" });
    await waitFor("the new price on chain", async () => (await account("Listing", listing)).priceLamportsPerHour === newPrice);
  };
  await renterPage.getByTestId("rent").click();
  const changed = await errorShown(renterPage, /PriceChanged/);
  assert.ok(changed.includes("quote again"), `the SDK's hint is shown: ${changed}`);
  await assertNothingMoved(before, "price changed at signature");
  await screenshot(renterPage, "price-changed-at-signature");

  step("the stale quote is refused before the wallet opens; quoting again shows the new price");
  const signedBefore = renter.signed;
  await renterPage.getByTestId("rent").click();
  await errorShown(renterPage, /changed since this quote/);
  assert.equal(renter.signed, signedBefore, "the wallet was not asked to sign a stale quote");
  await renterPage.getByTestId("requote").click();
  await description.filter({ hasText: `${sol(newPrice)} for 1 h` }).waitFor();
  await assertNothingMoved(before, "stale quote");

  step("the renter rents 1 hour through the wallet");
  await renterPage.getByTestId("rent").click();
  await renterPage.waitForURL(/\/app\/leases$/);
  const card = renterPage.getByTestId("lease").first();
  await card.waitFor();
  const lease = await card.getAttribute("data-lease");
  const opened = await waitFor("the lease on chain", () => account("Lease", lease));
  assert.equal(opened.deposited, newPrice, "the deposit is exactly the quoted price × 1 h");
  assert.equal(opened.lamports, newPrice + rentRent, "the lease holds the deposit and its rent");
  assert.equal(opened.renter.toBase58(), renter.address);
  const openFee = await feeOf(await newestSignature(lease));
  const afterOpen = await balances();
  assert.equal(before.renter - afterOpen.renter, opened.lamports + openFee, "the renter paid the quote and the fee, nothing else");
  await card.getByTestId("deposited").filter({ hasText: sol(newPrice) }).waitFor();
  await screenshot(renterPage, "leased");

  step("the attestor agent attests; the page draws the attested period");
  await card.getByTestId("period").first().waitFor();
  const attested = await account("Lease", lease);
  assert.ok(attested.attestedSeconds > 0n, "attested on chain");
  await screenshot(renterPage, "attested");

  step("the provider claims from its own page");
  const providerPage = await pageWith(browser, provider);
  await providerPage.goto(`${config.api}/app/provider`);
  await connect(providerPage, provider);
  const claimCard = providerPage.locator(`[data-testid=lease][data-lease="${lease}"]`);
  const claimButton = claimCard.getByTestId("action-claim");
  await claimButton.waitFor();
  const beforeClaim = await balances();
  const leaseBeforeClaim = await account("Lease", lease);
  await claimButton.click();
  await claimCard.getByTestId("notice-done").waitFor();
  const claimed = await account("Lease", lease);
  const claimFee = await feeOf(await newestSignature(lease));
  const afterClaim = await balances();
  const paid = claimed.paidOut - leaseBeforeClaim.paidOut;
  const fee = claimed.feePaid - leaseBeforeClaim.feePaid;
  assert.ok(paid > 0n, "the claim paid the provider");
  assert.equal(afterClaim.wallet - beforeClaim.wallet, paid, "the payout wallet got exactly what the lease paid out");
  assert.equal(afterClaim.treasury - beforeClaim.treasury, fee, "the treasury got exactly the fee");
  assert.equal(beforeClaim.provider - afterClaim.provider, claimFee, "the provider paid only the transaction fee");
  assert.equal(leaseBeforeClaim.lamports - claimed.lamports, paid + fee, "the escrow paid exactly that");
  await screenshot(providerPage, "claimed");

  step("the provider pauses its listing; a quote for it is refused with the reason; it resumes");
  const listingRow = providerPage.locator(`[data-testid=provider-listing][data-listing="${listing}"]`);
  await listingRow.getByTestId("listing-pause").click();
  await waitFor("the listing paused on chain", async () => variant((await account("Listing", listing)).state) === "paused");
  await listingRow.getByTestId("listing-resume").waitFor();
  await renterPage.goto(`${config.api}/app/listings/${listing}`);
  await errorShown(renterPage, /paused/i);
  await screenshot(renterPage, "listing-paused");
  await listingRow.getByTestId("listing-resume").click();
  await waitFor("the listing active on chain", async () => variant((await account("Listing", listing)).state) === "active");

  step("the renter cancels: the unused time comes back at once");
  await renterPage.goto(`${config.api}/app/leases`);
  const myCard = renterPage.locator(`[data-testid=lease][data-lease="${lease}"]`);
  const beforeCancel = await balances();
  const leaseBeforeCancel = await account("Lease", lease);
  await myCard.getByTestId("action-cancel").click();
  await myCard.getByTestId("notice-done").waitFor();
  const cancelled = await account("Lease", lease);
  assert.equal(variant(cancelled.state), "cancelled");
  const cancelFee = await feeOf(await newestSignature(lease));
  const refund = cancelled.refunded - leaseBeforeCancel.refunded;
  assert.ok(refund > 0n, "unused time refunded");
  const afterCancel = await balances();
  assert.equal(afterCancel.renter - beforeCancel.renter, refund - cancelFee, "the renter got exactly the refund");
  await renterPage.locator(`[data-testid=lease][data-lease="${lease}"][data-state="cancelled"]`).waitFor();
  await screenshot(renterPage, "cancelled");

  step("once everything up to the cancel is attested, settle settles");
  const settle = myCard.getByTestId("action-settle");
  await settle.waitFor();
  const beforeSettle = await balances();
  const leaseBeforeSettle = await account("Lease", lease);
  await settle.click();
  await waitFor("the lease closed on chain", async () => (await account("Lease", lease)) === null);
  const settleFee = await feeOf(await newestSignature(lease));
  const afterSettle = await balances();
  const final = await waitFor("the settled lease in the API", async () => {
    const detail = await api(`/v1/leases/${lease}`);
    return detail?.state === "settled" ? detail : null;
  });
  const paidAtSettle = BigInt(final.paid_out) - leaseBeforeSettle.paidOut;
  const feeAtSettle = BigInt(final.fee_paid) - leaseBeforeSettle.feePaid;
  const refundAtSettle = BigInt(final.refunded) - leaseBeforeSettle.refunded;
  assert.equal(afterSettle.wallet - beforeSettle.wallet, paidAtSettle, "payout wallet got the rest of the earnings");
  assert.equal(afterSettle.treasury - beforeSettle.treasury, feeAtSettle, "treasury got the rest of the fee");
  assert.equal(
    afterSettle.renter - beforeSettle.renter,
    refundAtSettle + rentRent - settleFee,
    "the renter got the rest of the escrow and the lease's rent back",
  );
  assert.equal(
    BigInt(final.deposited),
    BigInt(final.paid_out) + BigInt(final.fee_paid) + BigInt(final.refunded),
    "deposited = paid_out + fee_paid + refunded",
  );
  assert.equal(leaseBeforeSettle.lamports, paidAtSettle + feeAtSettle + refundAtSettle + rentRent, "the escrow emptied exactly");
  await renterPage.locator(`[data-testid=lease][data-lease="${lease}"][data-state="settled"]`).waitFor();
  await screenshot(renterPage, "settled");
  console.log(
    JSON.stringify({
      lease,
      deposited: final.deposited,
      paid_out: final.paid_out,
      fee_paid: final.fee_paid,
      refunded: final.refunded,
      screenshots: shot,
    }),
  );
} catch (e) {
  for (const context of browser.contexts()) {
    for (const page of context.pages()) await screenshot(page, "failure").catch(() => {});
  }
  throw e;
} finally {
  await browser.close();
}
