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

const NOTIFY = ["agent_run", "zero_balance", "low_balance", "block_execution_failed", "continuous_agent_error",
  "daily_summary", "weekly_summary", "monthly_summary", "agent_approved", "agent_rejected"];

async function users(db: Dbmanager): Promise<void> {
  const ada = await call("create_user", db.create_user("ada@example.com", "ada"));
  const times = { created_at: "", updated_at: "" };
  assert.deepEqual({ ...ada, ...times }, {
    id: "ada", email: "ada@example.com", email_verified: true, name: null, metadata: {}, stripe_customer_id: null,
    top_up_config: null, max_emails_per_day: 3, timezone: "not-set", ...times,
    ...Object.fromEntries(NOTIFY.map((flag) => [`notify_on_${flag}`, true])),
  });
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

const INPUT_BLOCK = "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b";
const OUTPUT_BLOCK = "363ae599-353e-4804-937e-b2ee3cef3da4";

// A two-node graph (input → output), as an executor sees it.
async function graphs(db: Dbmanager): Promise<string> {
  const graph = await call("create_graph", db.create_graph("ada", {
    name: "echo",
    nodes: [{ id: "ts-in", block_id: INPUT_BLOCK, input_default: { name: "q" } },
            { id: "ts-out", block_id: OUTPUT_BLOCK, input_default: { name: "a" } }],
    links: [{ source_id: "ts-in", sink_id: "ts-out", source_name: "result", sink_name: "value" }],
  }));
  assert.deepEqual([graph.version, graph.nodes.map((n) => n.id), graph.links.length], [1, ["ts-in", "ts-out"], 1]);
  const read = await call("get_graph", db.get_graph(graph.id, undefined, "ada"));
  assert.deepEqual(read?.nodes.map((n) => n.id), ["ts-in", "ts-out"]);
  assert.equal((await call("get_graph_metadata", db.get_graph_metadata(graph.id)))?.name, "echo");
  const settings = await call("get_graph_settings", db.get_graph_settings("ada", graph.id));
  assert.deepEqual(settings, { human_in_the_loop_safe_mode: true, sensitive_action_safe_mode: false });
  const changed = await call("update_graph_settings", db.update_graph_settings("ada", graph.id, { sensitive_action_safe_mode: true }));
  assert.equal(changed.sensitive_action_safe_mode, true);
  assert.equal((await call("get_node", db.get_node("ts-out"))).input_links[0].source_id, "ts-in");
  const [[link, sink]] = await call("get_connected_output_nodes", db.get_connected_output_nodes("ts-in"));
  assert.deepEqual([link.sink_name, sink.id], ["value", "ts-out"]);
  return graph.id;
}

async function executions(db: Dbmanager, graphId: string): Promise<void> {
  const run = await call("create_graph_execution", db.create_graph_execution(
    graphId, 1, [["ts-in", { name: "q", value: "hi" }]], { q: "hi" }, "ada"));
  assert.equal(run.status, "INCOMPLETE");
  const [first] = run.node_executions;
  assert.equal((await call("update_graph_execution_start_time", db.update_graph_execution_start_time(run.id))).status, "RUNNING");
  assert.equal((await call("update_node_execution_status", db.update_node_execution_status(first.node_exec_id, "RUNNING"))).status, "RUNNING");
  assert.equal(await call("upsert_execution_output", db.upsert_execution_output(first.node_exec_id, "result", "hi")), null);
  assert.deepEqual(await call("get_execution_outputs_by_node_exec_id", db.get_execution_outputs_by_node_exec_id(first.node_exec_id)), { result: "hi" });
  await call("update_node_execution_status", db.update_node_execution_status(first.node_exec_id, "COMPLETED"));
  await call("upsert_execution_input", db.upsert_execution_input("ts-out", run.id, "name", "a"));
  const upserted = await call("upsert_execution_input", db.upsert_execution_input("ts-out", run.id, "value", "hi"));
  assert.deepEqual(upserted[1], { name: "a", value: "hi" });
  const second = upserted[0].node_exec_id;
  assert.equal(await call("update_node_execution_status_batch", db.update_node_execution_status_batch([second], "QUEUED")), 1);
  assert.equal(await call("update_node_execution_status_batch", db.update_node_execution_status_batch([second], "QUEUED")), 0); // no-op
  assert.equal(await call("update_node_execution_status_batch", db.update_node_execution_status_batch([second], "RUNNING")), 1);
  await call("update_node_execution_status", db.update_node_execution_status(second, "COMPLETED"));
  assert.equal((await call("get_latest_node_execution", db.get_latest_node_execution("ts-out", run.id)))?.node_exec_id, second);
  assert.equal((await call("get_node_execution", db.get_node_execution(second)))?.status, "COMPLETED");
  assert.equal((await call("get_node_executions", db.get_node_executions(run.id))).length, 2);
  const done = await call("update_graph_execution_stats", db.update_graph_execution_stats(run.id, "COMPLETED", { cost: 0 }));
  assert.deepEqual([done.status, done.outputs], ["COMPLETED", { a: ["hi"] }]);
  assert.equal((await call("get_graph_execution", db.get_graph_execution("ada", run.id)))?.status, "COMPLETED");
  assert.equal((await call("get_graph_execution_meta", db.get_graph_execution_meta("ada", run.id)))?.id, run.id);
  assert.deepEqual((await call("get_graph_executions", db.get_graph_executions(undefined, graphId))).map((e) => e.id), [run.id]);
  assert.equal(await call("get_graph_executions_count", db.get_graph_executions_count("ada")), 1);
  assert.deepEqual(await call("get_child_graph_executions", db.get_child_graph_executions(run.id)), []);
  assert.deepEqual(await call("set_execution_kv_data", db.set_execution_kv_data("ada", second, "seen", 0)), 0);
  assert.equal(await call("get_execution_kv_data", db.get_execution_kv_data("ada", "seen")), 0); // falsy reads back
}

// A node waits for a person: the executor opens a review; the person approves it, edited, for this
// and the node's later actions in the run; the executor finds the approval and marks it acted on.
async function reviews(db: Dbmanager, graphId: string): Promise<void> {
  const run = await call("create_graph_execution", db.create_graph_execution(
    graphId, 1, [["ts-in", { name: "q", value: "hi" }]], { q: "hi" }, "ada"));
  const exec = run.node_executions[0].node_exec_id;
  const open = () => db.get_or_create_human_review("ada", exec, run.id, graphId, 1, { to: "x" }, "check the address", true);
  assert.equal(await call("get_or_create_human_review", open()), null); // waiting
  assert.equal(await call("has_pending_reviews_for_graph_exec", db.has_pending_reviews_for_graph_exec(run.id)), true);
  const decided = await call("review_human_review", db.review_human_review("ada", exec, "APPROVED", { to: "y" }, "fixed", true));
  assert.deepEqual(decided, { data: { to: "y" }, status: "APPROVED", message: "fixed", processed: false, node_exec_id: exec });
  assert.equal((await failure("review_human_review", db.review_human_review("ada", exec, "REJECTED"))).code, 1003);
  assert.deepEqual(await call("get_or_create_human_review", open()), decided);
  const later = await call("check_approval", db.check_approval("ts-later", run.id, "ts-in", "ada", { to: "z" }));
  assert.deepEqual([later?.data, later?.node_exec_id], [{ to: "z" }, `auto_approve_${run.id}_ts-in`]);
  assert.equal(await call("update_review_processed_status", db.update_review_processed_status(exec, true)), null);
  assert.equal(await call("get_or_create_human_review", open()), null); // acted on
  assert.equal(await call("cancel_pending_reviews_for_execution", db.cancel_pending_reviews_for_execution(run.id, "ada")), 0);
}

async function notifications(db: Dbmanager): Promise<void> {
  const event = (n: number) => ({ type: "AGENT_RUN" as const, user_id: "ada", data: { agent_name: "ts", n } });
  const first = await call("create_or_add_to_user_notification_batch", db.create_or_add_to_user_notification_batch("ada", "AGENT_RUN", event(1)));
  const batch = await call("create_or_add_to_user_notification_batch", db.create_or_add_to_user_notification_batch("ada", "AGENT_RUN", event(2)));
  assert.deepEqual(batch.notifications.map((e) => e.data), [{ agent_name: "ts", n: 1 }, { agent_name: "ts", n: 2 }]);
  assert.deepEqual(await call("get_user_notification_batch", db.get_user_notification_batch("ada", "AGENT_RUN")), batch);
  assert.deepEqual(await call("get_all_batches_by_type", db.get_all_batches_by_type("AGENT_RUN")), [batch]);
  assert.deepEqual(await call("get_user_notification_oldest_message_in_batch", db.get_user_notification_oldest_message_in_batch("ada", "AGENT_RUN")), first.notifications[0]);
  assert.equal(await call("remove_notifications_from_batch", db.remove_notifications_from_batch("ada", "AGENT_RUN", [first.notifications[0].id])), null);
  assert.equal((await call("get_user_notification_batch", db.get_user_notification_batch("ada", "AGENT_RUN")))?.notifications.length, 1);
  assert.equal(await call("empty_user_notification_batch", db.empty_user_notification_batch("ada", "AGENT_RUN")), null);
  await call("create_or_add_to_user_notification_batch", db.create_or_add_to_user_notification_batch("ada", "AGENT_RUN", event(3)));
  assert.equal(await call("clear_all_user_notification_batches", db.clear_all_user_notification_batches("ada")), null);
  assert.equal(await call("get_user_notification_batch", db.get_user_notification_batch("ada", "AGENT_RUN")), null);
  assert.deepEqual(await failure("create_or_add_to_user_notification_batch", db.create_or_add_to_user_notification_batch("nobody", "AGENT_RUN", { ...event(4), user_id: "nobody" })),
    { code: 1002, data: { kind: "user", id: "nobody" } });
}

// What the notification service asks, after ada's graph has run (executions).
async function communication(db: Dbmanager): Promise<void> {
  const changed = await call("update_user", db.update_user("ada", "Ada", undefined, undefined, "Europe/London"));
  assert.deepEqual([changed.name, changed.timezone, changed.email], ["Ada", "Europe/London", "ada@example.com"]);
  assert.equal((await failure("update_user", db.update_user("ada", undefined, undefined, undefined, "Mars/Base"))).code, -32602);
  assert.equal(await call("get_user_email_by_id", db.get_user_email_by_id("ada")), "ada@example.com");
  assert.equal(await call("get_user_email_by_id", db.get_user_email_by_id("nobody")), null);
  assert.equal(await call("get_user_email_verification", db.get_user_email_verification("ada")), true);
  const active = await call("get_active_user_ids_in_timerange",
    db.get_active_user_ids_in_timerange("2000-01-01T00:00:00Z", "2100-01-01T00:00:00+02:00"));
  assert.deepEqual(active, ["ada"]);
  const before = await call("get_user_notification_preference", db.get_user_notification_preference("ada"));
  assert.deepEqual([before.email, before.daily_limit, before.emails_sent_today, before.preferences.AGENT_RUN],
    ["ada@example.com", 3, 0, true]);
  const after = await call("update_user_notification_preference",
    db.update_user_notification_preference("ada", { DAILY_SUMMARY: false }, 5));
  assert.deepEqual({ ...after.preferences }, { ...before.preferences, DAILY_SUMMARY: false });
  assert.equal(after.daily_limit, 5);
}

async function integrations(db: Dbmanager): Promise<void> {
  const none = { managed_credentials: {}, credentials: [], oauth_states: [] };
  assert.deepEqual(await call("get_user_integrations", db.get_user_integrations("ada")), none);
  const data = { credentials: [{ id: "c1", provider: "openai", type: "api_key", api_key: "sk-ts" }] };
  assert.equal(await call("update_user_integrations", db.update_user_integrations("ada", data)), null);
  assert.deepEqual(await call("get_user_integrations", db.get_user_integrations("ada")), { ...none, ...data });
  assert.deepEqual(await failure("update_user_integrations", db.update_user_integrations("nobody", data)),
    { code: 1002, data: { kind: "user", id: "nobody" } });
}

async function store(db: Dbmanager, graphId: string): Promise<void> {
  const profile = await call("create_or_update_profile", db.create_or_update_profile("ada", "ada", "Ada", "makes agents"));
  assert.deepEqual(profile, { username: "ada", name: "Ada", description: "makes agents", links: [], avatar_url: null, is_featured: false });
  const submitted = await call("create_store_submission", db.create_store_submission(
    "ada", graphId, 1, "echo", "Echo", "repeats what it hears", "An agent that answers with its question.", ["tools"]));
  assert.deepEqual([submitted.submission_status, submitted.version, submitted.slug], ["PENDING", 1, "echo"]);
  const approved = await call("review_store_submission", db.review_store_submission(submitted.store_listing_version_id, true, "ada", "fine"));
  assert.deepEqual([approved.submission_status, approved.review_comments], ["APPROVED", "fine"]);
  const listed = await call("get_store_agents", db.get_store_agents(false, ["ada"], "name"));
  assert.deepEqual([listed.agents.map((a) => a.agent_name), listed.pagination.total_items], [["Echo"], 1]);
  const found = await call("get_store_agents", db.get_store_agents(undefined, undefined, undefined, "echo agent question"));
  assert.equal(found.agents[0]?.slug, "echo");
  const details = await call("get_store_agent_details", db.get_store_agent_details("ada", "echo", true));
  assert.deepEqual([details.agent_name, details.versions, details.changelog?.length], ["Echo", ["1"], 1]);
  const backfilled = await call("backfill_missing_embeddings", db.backfill_missing_embeddings(10));
  assert.equal(backfilled.failed, 0); // the worker may have embedded it first: then nothing is left to do
  const stats = await call("get_embedding_stats", db.get_embedding_stats());
  assert.deepEqual(stats.by_type.STORE_AGENT, { total: 1, with_embeddings: 1, without_embeddings: 0, coverage_percent: 100 });
  const cleaned = await call("cleanup_orphaned_embeddings", db.cleanup_orphaned_embeddings());
  assert.equal(cleaned.totals.deleted, 0);
}

// Issue 16: a store agent in another user's library, onboarding, OAuth grants and the analytics.
async function library(db: Dbmanager): Promise<string> {
  await call("create_user", db.create_user("lin@example.com", "lin"));
  const graph = await call("create_graph", db.create_graph("ada", { name: "weather", nodes: [], links: [] }));
  const submitted = await call("create_store_submission", db.create_store_submission(
    "ada", graph.id, 1, "weather", "Weather", "forecasts", "Says what the sky will do."));
  const approved = await call("review_store_submission", db.review_store_submission(submitted.store_listing_version_id, true, "ada"));
  assert.deepEqual(await failure("validate_graph_execution_permissions", db.validate_graph_execution_permissions("lin", graph.id, 1)),
    { code: 1002, data: { kind: "library_agent", id: graph.id } });
  const added = await call("add_store_agent_to_library", db.add_store_agent_to_library(approved.store_listing_version_id, "lin"));
  assert.deepEqual([added.graph_id, added.can_access_graph, added.creator_name, added.marketplace_listing?.slug],
    [graph.id, false, "Ada", "weather"]);
  assert.equal(await call("validate_graph_execution_permissions", db.validate_graph_execution_permissions("lin", graph.id, 1)), null);
  const run = await call("create_graph_execution", db.create_graph_execution(graph.id, 1, [], {}, "lin"));
  await call("update_graph_execution_stats", db.update_graph_execution_stats(run.id, "TERMINATED",
    { cost: 250, walltime: 2, correctness_score: 0.8 }));
  const page = await call("list_library_agents", db.list_library_agents("lin", "weath", "createdAt", 1, 10, true));
  assert.deepEqual([page.agents.map((a) => [a.name, a.execution_count, a.status]), page.pagination.total_items],
    [[["weather", 1, "COMPLETED"]], 1]);
  return graph.id;
}

async function onboarding(db: Dbmanager): Promise<void> {
  assert.equal(await call("increment_onboarding_runs", db.increment_onboarding_runs("lin")), null);
  assert.deepEqual(await failure("increment_onboarding_runs", db.increment_onboarding_runs("nobody")),
    { code: 1002, data: { kind: "user", id: "nobody" } });
}

async function oauth(db: Dbmanager): Promise<void> {
  const [past, future] = ["2020-01-01T00:00:00+01:00", "2999-01-01T00:00:00Z"];
  const code = await call("create_oauth_authorization_code",
    db.create_oauth_authorization_code("lin", "app-1", ["EXECUTE_GRAPH"], past, "a-code"));
  assert.equal(code.expires_at, "2019-12-31T23:00:00.000000Z");
  const access = await call("create_oauth_access_token", db.create_oauth_access_token("lin", "app-1", ["READ"], future, "a-token"));
  assert.equal(access.expires_at, "2999-01-01T00:00:00.000000Z");
  await call("create_oauth_refresh_token", db.create_oauth_refresh_token("lin", "app-1", ["READ"], past, "r-token"));
  assert.deepEqual(await call("cleanup_expired_oauth_tokens", db.cleanup_expired_oauth_tokens()),
    { authorization_codes: 1, access_tokens: 0, refresh_tokens: 1 });
}

async function analytics(db: Dbmanager, graphId: string): Promise<void> {
  const [start, end] = [new Date(Date.now() - 86_400_000).toISOString(), new Date(Date.now() + 60_000).toISOString()];
  assert.deepEqual(await call("get_block_error_stats", db.get_block_error_stats(start, end)), []);
  const frequent = await call("get_frequently_executed_graphs", db.get_frequently_executed_graphs(30, 1));
  assert.deepEqual(frequent.filter((g) => g.graph_id === graphId), [{ graph_id: graphId, user_id: "lin", execution_count: 1 }]);
  const listed = await call("get_marketplace_graphs_for_monitoring", db.get_marketplace_graphs_for_monitoring(30, 1));
  assert.deepEqual(listed.filter((g) => g.graph_id === graphId), [{ graph_id: graphId, user_id: null, execution_count: 1 }]);
  const trends = await call("get_accuracy_trends_and_alerts", db.get_accuracy_trends_and_alerts(graphId));
  assert.deepEqual([trends.latest_data.daily_score, trends.alert, trends.historical_data], [null, null, null]);
  const summary = await call("get_user_execution_summary_data", db.get_user_execution_summary_data("lin", start, end));
  assert.deepEqual(summary, { total_credits_used: 2.5, total_executions: 1, successful_runs: 0, failed_runs: 1,
    most_used_agent: "weather", total_execution_time: 2, average_execution_time: 2, cost_breakdown: { weather: 2.5 } });
}

async function main(base: string): Promise<void> {
  const db = client(base);
  await system(db, base);
  await users(db);
  await ledger(db);
  await holds(db);
  const graphId = await graphs(db);
  await executions(db, graphId);
  await reviews(db, graphId);
  await notifications(db);
  await communication(db);
  await integrations(db);
  await store(db, graphId);
  const weather = await library(db);
  await onboarding(db);
  await oauth(db);
  await analytics(db, weather);
  console.log(JSON.stringify([...called].sort()));
}

main(process.argv[2]).catch((error) => {
  console.error(error);
  process.exit(1);
});
