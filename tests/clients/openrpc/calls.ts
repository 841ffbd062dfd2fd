// node build/calls.js URL: the README's calls, made through the client @open-rpc/generator
// generated from the daemon's own OpenRPC document, each result checked. Prints the methods it
// called, one JSON array, for the test to compare with the document's.
import assert from "node:assert/strict";
import Dbmanager from "./generated/client/typescript/src/index";

const called = new Set<string>();

async function call<T>(method: string, made: Promise<T>): Promise<T> {
  called.add(method);
  return made;
}

// A JSON-RPC error from the daemon, as the client rejects with it.
async function failure(method: string, made: Promise<unknown>): Promise<{ code: number; data: unknown }> {
  called.add(method);
  try {
    await made;
  } catch (error) {
    const { code, data } = error as { code: number; data: unknown };
    return { code, data };
  }
  throw new Error(`${method} succeeded; it was to fail`);
}

function client(base: string): Dbmanager {
  const url = new URL(base);
  return new Dbmanager({ transport: { type: "http", host: url.hostname, port: Number(url.port), path: "/rpc" } });
}

async function users(db: Dbmanager): Promise<void> {
  const ada = await call("create_user", db.create_user("ada@example.com", "ada"));
  assert.deepEqual({ ...ada, created_at: "" }, { id: "ada", email: "ada@example.com", name: null, metadata: {}, created_at: "" });
  assert.match(ada.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.deepEqual(await call("get_user_by_id", db.get_user_by_id("ada")), ada);
  const made = await call("create_user", db.create_user("grace@example.com", undefined, "Grace", { team: "compilers" }));
  assert.deepEqual([made.name, made.metadata], ["Grace", { team: "compilers" }]);
  assert.deepEqual(await failure("get_user_by_id", db.get_user_by_id("nobody")),
    { code: 1002, data: { kind: "user", id: "nobody" } });
}

async function ledger(db: Dbmanager): Promise<void> {
  assert.equal(await call("top_up_credits", db.top_up_credits("ada", 100)), 100);
  assert.equal(await call("spend_credits", db.spend_credits("ada", 5, undefined, "run-7/step-1")), 95);
  assert.equal(await call("spend_credits", db.spend_credits("ada", 5, undefined, "run-7/step-1")), 95); // a retry charges once
  assert.equal(await call("spend_credits", db.spend_credits("ada", 5, { graph_id: "g", reason: "a run" })), 90);
  assert.deepEqual(await failure("spend_credits", db.spend_credits("ada", 1000)),
    { code: 1001, data: { user_id: "ada", balance: 90, amount: 1000, available: 90 } });
  assert.equal(await call("get_credits", db.get_credits("ada")), 90);
  assert.equal(await call("grant_credits", db.grant_credits("ada", 10, "welcome")), 100);
  assert.equal(await call("refund_credits", db.refund_credits("ada", "run-7/step-1")), 105);
  const page = await call("get_transaction_history", db.get_transaction_history("ada", 5));
  assert.deepEqual(page.transactions.map((t) => [t.type, t.amount, t.running_balance]),
    [["REFUND", 5, 105], ["GRANT", 10, 100], ["USAGE", -5, 90], ["USAGE", -5, 95], ["TOP_UP", 100, 100]]);
  assert.equal(page.next_cursor, null);
  const spends = await call("get_transaction_history", db.get_transaction_history("ada", 1, undefined, ["USAGE"]));
  assert.deepEqual(spends.transactions.map((t) => t.metadata), [{ graph_id: "g", reason: "a run" }]);
  assert.equal(typeof spends.next_cursor, "string");
  const older = await call("get_transaction_history", db.get_transaction_history("ada", 5, spends.next_cursor, ["USAGE"]));
  assert.deepEqual(older.transactions.map((t) => t.transaction_key), ["run-7/step-1"]);
}

async function holds(db: Dbmanager): Promise<void> {
  const hold = await call("reserve_credits", db.reserve_credits("ada", 50, 600));
  assert.deepEqual([hold.user_id, hold.amount, hold.status, hold.captured], ["ada", 50, "HELD", 0]);
  assert.deepEqual(await call("get_balance", db.get_balance("ada")), { balance: 105, held: 50, available: 55 });
  assert.deepEqual(await call("get_hold", db.get_hold("ada", hold.hold_id)), hold);
  assert.equal(await call("capture_hold", db.capture_hold("ada", hold.hold_id, 30)), 75); // the other 20 are free again
  const captured = await call("get_hold", db.get_hold("ada", hold.hold_id));
  assert.deepEqual([captured.status, captured.captured], ["CAPTURED", 30]);
  const second = await call("reserve_credits", db.reserve_credits("ada", 20, undefined, undefined, "hold-2"));
  const released = await call("release_hold", db.release_hold("ada", second.hold_id));
  assert.equal(released.status, "RELEASED");
  assert.deepEqual(await call("get_balance", db.get_balance("ada")), { balance: 75, held: 0, available: 75 });
}

async function system(db: Dbmanager, base: string): Promise<void> {
  assert.equal(await call("ping", db.ping()), "pong");
  const document = await call("rpc.discover", db["rpc.discover"]());
  assert.equal(document.openrpc, "1.3.2");
  assert.equal(document.servers[0].url, `${base}/rpc`);
}

async function main(base: string): Promise<void> {
  const db = client(base);
  await system(db, base);
  await users(db);
  await ledger(db);
  await holds(db);
  console.log(JSON.stringify([...called].sort()));
}

main(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(1);
});
