// Builds every compute-escrow instruction with Anchor's TypeScript client
// (@anchor-lang/core) from the committed IDL alone, given only what a client
// holds (its signers, the listing or lease it acts on, accounts nobody can
// derive such as a new payout wallet), and checks that every account Anchor
// resolves, its signer and writable flags, and the encoded arguments equal
// what the Rust SDK builds.
//
// The Rust side (`cargo run -p compute-escrow-tests --bin idl-fixture`) sets up
// a market in a real bank and prints the SDK's instructions plus the
// program's accounts as the bank holds them; this script serves those
// accounts to Anchor's resolver (it fetches the lease, listing, provider and
// config to follow `has_one` relations and account-field seeds).
//
// Usage: node resolve.test.mjs FIXTURE.json   (scripts/test-idl-clients.sh runs it)

import { readFileSync } from "node:fs";
import { strict as assert } from "node:assert";
import anchor from "@anchor-lang/core";

const { Program, BN, web3 } = anchor;
const { PublicKey } = web3;

const idl = JSON.parse(
  readFileSync(new URL("../../idl/compute_escrow.json", import.meta.url), "utf8"),
);
const fixture = JSON.parse(readFileSync(process.argv[2], "utf8"));

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** The bank's accounts, answered the way a JSON-RPC node would. */
const accounts = new Map(
  Object.entries(fixture.accounts).map(([key, a]) => [
    key,
    {
      data: Buffer.from(a.data, "base64"),
      owner: new PublicKey(a.owner),
      lamports: a.lamports,
      executable: false,
      rentEpoch: 0,
    },
  ]),
);
const fetched = new Set();
const connection = {
  rpcEndpoint: "fixture://bank",
  commitment: "confirmed",
  async getAccountInfo(key) {
    fetched.add(key.toBase58());
    return accounts.get(key.toBase58()) ?? null;
  },
  async getAccountInfoAndContext(key) {
    return { context: { slot: 1 }, value: await this.getAccountInfo(key) };
  },
  async getMultipleAccountsInfo(keys) {
    return Promise.all(keys.map((k) => this.getAccountInfo(k)));
  },
};
const program = new Program(idl, { connection });
assert.equal(program.programId.toBase58(), fixture.program_id);

const types = new Map(idl.types.map((t) => [t.name, t]));

/** A fixture JSON value as the TypeScript client takes it, by IDL type. */
function toClient(type, value) {
  if (value === null) return null;
  if (typeof type === "string") {
    if (["u64", "i64", "u128", "i128"].includes(type)) return new BN(value);
    if (type === "pubkey") return new PublicKey(value);
    return value;
  }
  if (type.option) return toClient(type.option, value);
  if (type.array) return value.map((v) => toClient(type.array[0], v));
  if (type.vec) return value.map((v) => toClient(type.vec, v));
  if (type.defined) {
    const def = types.get(type.defined.name);
    assert.equal(def.type.kind, "struct", `${type.defined.name} is a struct`);
    return Object.fromEntries(
      def.type.fields.map((f) => [camel(f.name), toClient(f.type, value[f.name])]),
    );
  }
  throw new Error(`no conversion for ${JSON.stringify(type)}`);
}

let failures = 0;
const covered = new Set();
for (const c of fixture.instructions) {
  const spec = idl.instructions.find((i) => i.name === c.name);
  assert.ok(spec, `${c.name} is in the IDL`);
  covered.add(c.name);
  const args = spec.args.map((a, i) => toClient(a.type, c.args[i]));
  const given = Object.fromEntries(
    Object.entries(c.given).map(([name, key]) => [camel(name), new PublicKey(key)]),
  );
  try {
    const ix = await program.methods[camel(c.name)](...args)
      .accountsPartial(given)
      .instruction();
    const resolved = ix.keys.map((k) => ({
      pubkey: k.pubkey.toBase58(),
      signer: k.isSigner,
      writable: k.isWritable,
    }));
    const names = spec.accounts.map((a) => a.name);
    resolved.forEach((k, i) =>
      assert.deepEqual(k, c.keys[i], `${c.name}: account ${names[i]}`),
    );
    assert.equal(resolved.length, c.keys.length, `${c.name}: account count`);
    assert.equal(ix.data.toString("base64"), c.data, `${c.name}: instruction data`);
    assert.equal(ix.programId.toBase58(), fixture.program_id);
    const derived = names.filter((n) => !(camel(n) in given));
    console.log(`ok   ${c.name}: resolved ${derived.join(", ") || "nothing"} from ${Object.keys(c.given).join(", ")}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL ${c.name}: ${e.message}`);
  }
}
const missing = idl.instructions.map((i) => i.name).filter((n) => !covered.has(n));
if (missing.length) {
  failures += 1;
  console.log(`FAIL no fixture for: ${missing.join(", ")}`);
}
console.log(
  `${fixture.instructions.length - failures} of ${idl.instructions.length} instructions resolve as the Rust SDK builds them (${fetched.size} accounts fetched)`,
);
process.exit(failures ? 1 : 0);
