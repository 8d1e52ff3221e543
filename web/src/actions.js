// Taking an action: the API builds the transaction (POST to the action's
// link with the wallet as the account), the wallet signs it, and the API
// relays it to the cluster and answers once it is confirmed. A program
// refusal comes back named, with what to do about it.
import { post } from "./api.js";
import { sign } from "./wallet.js";

/** Takes the action at `href` for the connected wallet; `onStep` hears progress. The confirmed signature. */
export async function takeAction(session, href, onStep) {
  onStep("Building the transaction…");
  const { transaction, message } = await post(href, { account: session.account.address });
  onStep(`Waiting for ${session.wallet.name} to sign: ${message ?? "the transaction"}`);
  const signed = await sign(session, transaction);
  onStep("Sending to the cluster…");
  const { signature } = await post("/api/transactions", { transaction: signed });
  return { signature, message };
}
