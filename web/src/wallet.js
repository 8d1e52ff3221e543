// Wallets found through the Wallet Standard: any installed wallet that can
// connect and sign Solana transactions appears, with no wallet-specific code.
import { getWallets } from "@wallet-standard/app";
import { UserError } from "./api.js";

const CONNECT = "standard:connect";
const DISCONNECT = "standard:disconnect";
const SIGN = "solana:signTransaction";

const usable = (wallet) =>
  CONNECT in wallet.features &&
  SIGN in wallet.features &&
  wallet.chains.some((chain) => chain.startsWith("solana:"));

/** The usable wallets now, and `onChange` called with them whenever a wallet registers or leaves. */
export function discoverWallets(onChange) {
  const { get, on } = getWallets();
  const list = () => get().filter(usable);
  const offRegister = on("register", () => onChange(list()));
  const offUnregister = on("unregister", () => onChange(list()));
  return { wallets: list(), stop: () => (offRegister(), offUnregister()) };
}

/** Connects `wallet` (`silent`: only if it needs no prompt); its first account is the session's. */
export async function connect(wallet, silent = false) {
  let accounts;
  try {
    ({ accounts } = await wallet.features[CONNECT].connect(silent ? { silent: true } : undefined));
  } catch (e) {
    throw new UserError(`${wallet.name} did not connect: ${e?.message ?? e}`);
  }
  if (!accounts.length) throw new UserError(`${wallet.name} shared no account.`);
  return accounts[0];
}

/** Disconnects, if the wallet supports it. */
export async function disconnect(wallet) {
  await wallet.features[DISCONNECT]?.disconnect();
}

const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));

/** Has the wallet sign the base64 transaction an action returned; the signed transaction, base64. */
export async function sign(session, transaction) {
  let signed;
  try {
    [signed] = await session.wallet.features[SIGN].signTransaction({
      account: session.account,
      transaction: fromBase64(transaction),
    });
  } catch (e) {
    throw new UserError(
      `${session.wallet.name} did not sign (${e?.message ?? e}). Nothing was sent and nothing moved.`,
    );
  }
  return toBase64(signed.signedTransaction);
}
