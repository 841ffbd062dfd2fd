-- pgbench script for bench/lifecycle.py: one node's lifecycle, the statements the daemon sends
-- for its five calls (read from PostgreSQL's log with log_statement = 'all'), transaction for
-- transaction, against a copy of the daemon's database. Run with -M prepared and -D users=N,
-- now, since, input_data, execution_data, output_data (fixed stand-ins for the daemon's clock and
-- the callers' JSON). Client c works on graph execution ge-c, whose node is node-(c % users); a
-- random number stands in for the node execution's uuid. Literals stand where the daemon binds
-- constants (statuses, kind).
\set r random(1, 9000000000000000000)
\set g :client_id % :users

-- upsert_execution_input: lock (graph execution, node), find an open node execution (there is
-- none: the last one COMPLETED), make one, add the input, record its INCOMPLETE event
BEGIN;
SELECT graph_executions.user_id, graph_executions.graph_id, graph_executions.graph_version, graph_nodes.block_id,
       pg_advisory_xact_lock(hashtextextended('upsert_input' || chr(31) || 'ge-' || :client_id || chr(31) || 'node-' || :g, 0)) AS locked
    FROM graph_executions LEFT OUTER JOIN graph_nodes ON graph_nodes.id = 'node-' || :g
        AND graph_nodes.graph_id = graph_executions.graph_id AND graph_nodes.graph_version = graph_executions.graph_version
    WHERE graph_executions.id = 'ge-' || :client_id \gset
SELECT id, graph_exec_id, node_id, status, execution_data, stats, added_time, queued_time, started_time, ended_time
    FROM node_executions
    WHERE graph_exec_id = 'ge-' || :client_id AND node_id = 'node-' || :g AND status = 'INCOMPLETE'
        AND NOT (EXISTS (SELECT * FROM node_execution_io WHERE node_execution_io.input_exec_id = node_executions.id
                         AND node_execution_io.name = 'value' AND node_execution_io.time >= :since))
    ORDER BY added_time, id LIMIT 1;
INSERT INTO node_executions (id, graph_exec_id, node_id, status, execution_data, stats, added_time, queued_time, started_time, ended_time)
    VALUES ('ne-' || :r, 'ge-' || :client_id, 'node-' || :g, 'INCOMPLETE', NULL, NULL, :now, NULL, NULL, NULL);
INSERT INTO node_execution_io (name, data, time, input_exec_id, output_exec_id)
    VALUES ('value', :input_data, :now, 'ne-' || :r, NULL) RETURNING node_execution_io.id;
INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version, status, at)
    VALUES ('node', 'ge-' || :client_id, 'ne-' || :r, 'node-' || :g, :user_id, :graph_id, :graph_version, 'INCOMPLETE', :now);
COMMIT;

-- update_node_execution_status QUEUED, RUNNING, COMPLETED: the guarded update returning the
-- row and its event's context, the event, the pins' values for the result
BEGIN;
UPDATE node_executions SET status = 'QUEUED', execution_data = :execution_data, queued_time = :now
    WHERE node_executions.status IN ('INCOMPLETE', 'TERMINATED', 'REVIEW') AND node_executions.id = 'ne-' || :r
    RETURNING node_executions.id, node_executions.graph_exec_id, node_executions.node_id, node_executions.status,
        node_executions.execution_data, node_executions.stats, node_executions.added_time, node_executions.queued_time,
        node_executions.started_time, node_executions.ended_time,
        (SELECT graph_executions.user_id FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS user_id,
        (SELECT graph_executions.graph_id FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS graph_id,
        (SELECT graph_executions.graph_version FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS graph_version,
        (SELECT graph_nodes.block_id FROM graph_nodes WHERE graph_nodes.id = node_executions.node_id) AS block_id;
INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version, status, at)
    VALUES ('node', 'ge-' || :client_id, 'ne-' || :r, 'node-' || :g, :user_id, :graph_id, :graph_version, 'QUEUED', :now);
SELECT name, data, input_exec_id, output_exec_id FROM node_execution_io
    WHERE input_exec_id IN ('ne-' || :r) OR output_exec_id IN ('ne-' || :r) ORDER BY time, id;
COMMIT;

BEGIN;
UPDATE node_executions SET status = 'RUNNING', started_time = :now
    WHERE node_executions.status IN ('INCOMPLETE', 'QUEUED', 'TERMINATED', 'REVIEW') AND node_executions.id = 'ne-' || :r
    RETURNING node_executions.id, node_executions.graph_exec_id, node_executions.node_id, node_executions.status,
        node_executions.execution_data, node_executions.stats, node_executions.added_time, node_executions.queued_time,
        node_executions.started_time, node_executions.ended_time,
        (SELECT graph_executions.user_id FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS user_id,
        (SELECT graph_executions.graph_id FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS graph_id,
        (SELECT graph_executions.graph_version FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS graph_version,
        (SELECT graph_nodes.block_id FROM graph_nodes WHERE graph_nodes.id = node_executions.node_id) AS block_id;
INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version, status, at)
    VALUES ('node', 'ge-' || :client_id, 'ne-' || :r, 'node-' || :g, :user_id, :graph_id, :graph_version, 'RUNNING', :now);
SELECT name, data, input_exec_id, output_exec_id FROM node_execution_io
    WHERE input_exec_id IN ('ne-' || :r) OR output_exec_id IN ('ne-' || :r) ORDER BY time, id;
COMMIT;

-- upsert_execution_output: one statement, autocommit
INSERT INTO node_execution_io (name, data, time, output_exec_id)
    SELECT 'result', :output_data, :now, node_executions.id FROM node_executions WHERE node_executions.id = 'ne-' || :r
    RETURNING node_execution_io.id;

BEGIN;
UPDATE node_executions SET status = 'COMPLETED', ended_time = :now
    WHERE node_executions.status IN ('RUNNING') AND node_executions.id = 'ne-' || :r
    RETURNING node_executions.id, node_executions.graph_exec_id, node_executions.node_id, node_executions.status,
        node_executions.execution_data, node_executions.stats, node_executions.added_time, node_executions.queued_time,
        node_executions.started_time, node_executions.ended_time,
        (SELECT graph_executions.user_id FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS user_id,
        (SELECT graph_executions.graph_id FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS graph_id,
        (SELECT graph_executions.graph_version FROM graph_executions WHERE graph_executions.id = node_executions.graph_exec_id) AS graph_version,
        (SELECT graph_nodes.block_id FROM graph_nodes WHERE graph_nodes.id = node_executions.node_id) AS block_id;
INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version, status, at)
    VALUES ('node', 'ge-' || :client_id, 'ne-' || :r, 'node-' || :g, :user_id, :graph_id, :graph_version, 'COMPLETED', :now);
SELECT name, data, input_exec_id, output_exec_id FROM node_execution_io
    WHERE input_exec_id IN ('ne-' || :r) OR output_exec_id IN ('ne-' || :r) ORDER BY time, id;
COMMIT;
