-- pgbench script for bench/lifecycle.py: one node's lifecycle, the statements the daemon sends
-- for its five calls on PostgreSQL (as PostgreSQL's log shows them with log_statement = 'all'),
-- transaction for transaction, against a copy of the daemon's database. Run with -M prepared and
-- -D users=N, now, since, input_data, execution_data, output_data: fixed stand-ins for the
-- daemon's clock and the callers' JSON. Client c works on graph execution ge-c, whose node is
-- node-(c % users); a random number stands in for the node execution's uuid. The statements are
-- those of daemon/domains/executions/pins.py and node_executions.py, $n filled in: keep them in step.
\set r random(1, 9000000000000000000)
\set g :client_id % :users

-- upsert_execution_input: lock (graph execution, node) and read the event's context, look for an
-- open node execution (there is none: the last one COMPLETED), then make one with its input and
-- its INCOMPLETE event in one statement
BEGIN;
SELECT ge.user_id, ge.graph_id, ge.graph_version, gn.block_id, pg_advisory_xact_lock(hashtextextended('upsert_input' || chr(31) || 'ge-' || :client_id || chr(31) || 'node-' || :g, 0))
FROM graph_executions ge
LEFT JOIN graph_nodes gn ON gn.id = 'node-' || :g AND gn.graph_id = ge.graph_id AND gn.graph_version = ge.graph_version
WHERE ge.id = 'ge-' || :client_id \gset
SELECT * FROM node_executions ne
WHERE ne.graph_exec_id = 'ge-' || :client_id AND ne.node_id = 'node-' || :g AND ne.status = 'INCOMPLETE' AND (NULL::text IS NULL OR ne.id = NULL)
  AND NOT EXISTS (SELECT FROM node_execution_io io
                  WHERE io.input_exec_id = ne.id AND io.name = 'value' AND io.time >= :since)
ORDER BY ne.added_time, ne.id LIMIT 1;
WITH made AS (
    INSERT INTO node_executions (id, graph_exec_id, node_id, status, added_time)
    VALUES ('ne-' || :r, 'ge-' || :client_id, 'node-' || :g, 'INCOMPLETE', :now) RETURNING id
), pin AS (
    INSERT INTO node_execution_io (name, data, time, input_exec_id) SELECT 'value'::text, :input_data::text, :now, id FROM made
)
INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version, status, at)
SELECT 'node', 'ge-' || :client_id, id, 'node-' || :g, :user_id, :graph_id, :graph_version::integer, 'INCOMPLETE', :now FROM made;
COMMIT;

-- update_node_execution_status QUEUED, RUNNING: one statement each, in autocommit
WITH changed AS (
    UPDATE node_executions ne SET status = 'QUEUED', queued_time = :now, execution_data = COALESCE(:execution_data, ne.execution_data), stats = COALESCE(NULL, ne.stats)
    FROM graph_executions ge, graph_nodes gn
    WHERE ne.id = 'ne-' || :r AND ne.status IN ('INCOMPLETE', 'TERMINATED', 'REVIEW') AND ge.id = ne.graph_exec_id AND gn.id = ne.node_id
    RETURNING ne.id, ne.graph_exec_id, ne.node_id, ne.status, ne.execution_data, ne.stats, ne.added_time, ne.queued_time, ne.started_time, ne.ended_time, ge.user_id, ge.graph_id, ge.graph_version, gn.block_id
), event AS (
    INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version,
                               status, at)
    SELECT 'node', graph_exec_id, id, node_id, user_id, graph_id, graph_version, status, :now FROM changed
)
SELECT changed.*, io.name AS pin_name, io.data AS pin_data, io.input_exec_id AS pin_input_of,
       io.output_exec_id AS pin_output_of
FROM changed LEFT JOIN node_execution_io io ON io.input_exec_id = changed.id OR io.output_exec_id = changed.id
ORDER BY io.time, io.id;
WITH changed AS (
    UPDATE node_executions ne SET status = 'RUNNING', started_time = :now, execution_data = COALESCE(NULL, ne.execution_data), stats = COALESCE(NULL, ne.stats)
    FROM graph_executions ge, graph_nodes gn
    WHERE ne.id = 'ne-' || :r AND ne.status IN ('INCOMPLETE', 'QUEUED', 'TERMINATED', 'REVIEW') AND ge.id = ne.graph_exec_id AND gn.id = ne.node_id
    RETURNING ne.id, ne.graph_exec_id, ne.node_id, ne.status, ne.execution_data, ne.stats, ne.added_time, ne.queued_time, ne.started_time, ne.ended_time, ge.user_id, ge.graph_id, ge.graph_version, gn.block_id
), event AS (
    INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version,
                               status, at)
    SELECT 'node', graph_exec_id, id, node_id, user_id, graph_id, graph_version, status, :now FROM changed
)
SELECT changed.*, io.name AS pin_name, io.data AS pin_data, io.input_exec_id AS pin_input_of,
       io.output_exec_id AS pin_output_of
FROM changed LEFT JOIN node_execution_io io ON io.input_exec_id = changed.id OR io.output_exec_id = changed.id
ORDER BY io.time, io.id;

-- upsert_execution_output: one statement, in autocommit
INSERT INTO node_execution_io (name, data, time, output_exec_id)
SELECT 'result'::text, :output_data::text, :now::text, id FROM node_executions WHERE id = 'ne-' || :r RETURNING id;

-- update_node_execution_status COMPLETED
WITH changed AS (
    UPDATE node_executions ne SET status = 'COMPLETED', ended_time = :now, execution_data = COALESCE(NULL, ne.execution_data), stats = COALESCE(NULL, ne.stats)
    FROM graph_executions ge, graph_nodes gn
    WHERE ne.id = 'ne-' || :r AND ne.status IN ('RUNNING') AND ge.id = ne.graph_exec_id AND gn.id = ne.node_id
    RETURNING ne.id, ne.graph_exec_id, ne.node_id, ne.status, ne.execution_data, ne.stats, ne.added_time, ne.queued_time, ne.started_time, ne.ended_time, ge.user_id, ge.graph_id, ge.graph_version, gn.block_id
), event AS (
    INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version,
                               status, at)
    SELECT 'node', graph_exec_id, id, node_id, user_id, graph_id, graph_version, status, :now FROM changed
)
SELECT changed.*, io.name AS pin_name, io.data AS pin_data, io.input_exec_id AS pin_input_of,
       io.output_exec_id AS pin_output_of
FROM changed LEFT JOIN node_execution_io io ON io.input_exec_id = changed.id OR io.output_exec_id = changed.id
ORDER BY io.time, io.id;
