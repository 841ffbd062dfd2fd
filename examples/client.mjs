// The calls of docs/CLIENTS.md, from JavaScript with fetch (Node 20 or a browser; no package needed):
// ping, create_user, a top-up, a spend with a transaction_key, a batch, a notification and a refused request.
// Prints one JSON line per call: {"call": …, "result": …} or, for the batch, {"call": "batch", "results": […]}.
//
//   node examples/client.mjs http://127.0.0.1:8005
//   DBM_TOKEN=secret node examples/client.mjs http://127.0.0.1:8005
import { randomUUID } from "node:crypto";

class RPCError extends Error {
  constructor({ code, message, data }) {
    super(`${code} ${message}`);
    Object.assign(this, { code, data });
  }
}

function connect(baseUrl, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let nextId = 1;

  async function post(body) {
    const response = await fetch(`${baseUrl}/rpc`, { method: "POST", headers, body: JSON.stringify(body) });
    if (response.status === 204) return null;  // only notifications were sent: nothing is answered
    if (!(response.headers.get("content-type") || "").startsWith("application/json")) {
      // every answer of the daemon's /rpc is JSON: this one came from a proxy, or from a wrong URL
      throw new Error(`HTTP ${response.status} ${response.statusText}: not a JSON-RPC answer from ${response.url}`);
    }
    const answer = await response.json();
    if (!Array.isArray(answer) && answer.error && answer.id === null) {
      throw new RPCError(answer.error);  // the whole request was refused: 401, 413, a parse error, …
    }
    return answer;
  }
  const request = (method, params) => ({ jsonrpc: "2.0", method, params, id: nextId++ });

  return {
    // A notification: it runs, and nothing is answered (HTTP 204).
    async notify(method, params) {
      await post({ jsonrpc: "2.0", method, params });
    },
    // One call: its result, or throws RPCError (err.code, err.data).
    async call(method, params) {
      const answer = await post(request(method, params));
      if (answer.error) throw new RPCError(answer.error);
      return answer.result;
    },
    // Many calls in one request: results in order, an RPCError in the place of each failed call.
    async batch(calls) {
      const requests = calls.map(([method, params]) => request(method, params));
      const byId = new Map((await post(requests)).map((r) => [r.id, r]));
      return requests.map(({ id }) => {
        const r = byId.get(id);
        return r.error ? new RPCError(r.error) : r.result;
      });
    },
  };
}

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error("usage: node client.mjs BASE_URL");
  process.exit(2);
}
const rpc = connect(baseUrl.replace(/\/$/, ""), process.env.DBM_TOKEN);
const show = (call, result) => console.log(JSON.stringify({ call, result }));

show("ping", await rpc.call("ping"));
const user = await rpc.call("create_user", { email: `ada-${randomUUID()}@example.com`, name: "Ada" });
show("create_user", user);
show("top_up_credits", await rpc.call("top_up_credits", { user_id: user.id, amount: 100, transaction_key: randomUUID() }));

// One key per spend, kept across retries: the daemon replays a key it has seen instead of charging again.
const spend = { user_id: user.id, cost: 5, metadata: { reason: "example" }, transaction_key: randomUUID() };
show("spend_credits", await rpc.call("spend_credits", spend));
show("spend_credits (retried)", await rpc.call("spend_credits", spend));

try {
  await rpc.call("spend_credits", { user_id: user.id, cost: 1000, transaction_key: randomUUID() });
} catch (err) {
  if (!(err instanceof RPCError) || err.code !== 1001) throw err;
  show("spend_credits (too much)", { code: err.code, data: err.data });
}

const results = await rpc.batch([
  ["get_credits", [user.id]],
  ["get_transaction_history", { user_id: user.id, limit: 5 }],
  ["get_user_by_id", ["nobody"]],
]);
console.log(JSON.stringify({
  call: "batch",
  results: results.map((r) => (r instanceof RPCError ? { error: { code: r.code, data: r.data } } : r)),
}));

await rpc.notify("ping");  // answered with HTTP 204 and no body
show("ping (notification)", null);

// A body over the daemon's DBM_MAX_BODY_BYTES (1 MiB by default) is refused whole: HTTP 413, a JSON-RPC error.
try {
  await rpc.call("ping", ["x".repeat(1_100_000)]);
} catch (err) {
  if (!(err instanceof RPCError) || err.code !== -32600) throw err;
  show("ping (too large)", { code: err.code, data: err.data });
}
