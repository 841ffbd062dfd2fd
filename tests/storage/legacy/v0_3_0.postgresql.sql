SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

CREATE FUNCTION public.dbm_spend_available(p_user_ids text[], p_costs bigint[], p_keys text[], p_hashes text[], p_metadata text[]) RETURNS TABLE(call_index integer, error_code integer, result_balance bigint, result_available bigint)
    LANGUAGE plpgsql
    AS $$
DECLARE
    n integer;
    attempt integer;
    v_balance bigint;
    v_held bigint;
    v_freed bigint;
    v_prior record;
BEGIN
    FOR n IN SELECT s.n FROM unnest(p_user_ids) WITH ORDINALITY AS s(user_id, n) ORDER BY s.user_id, s.n LOOP
        call_index := n;
        error_code := 0;
        result_balance := NULL;
        result_available := NULL;
        IF p_keys[n] IS NOT NULL THEN
            SELECT b.balance INTO v_balance FROM balances b WHERE b.user_id = p_user_ids[n] FOR UPDATE;
            IF NOT FOUND THEN
                error_code := 1002;
                RETURN NEXT;
                CONTINUE;
            END IF;
            SELECT t.request_hash, t.running_balance INTO v_prior FROM transactions t
                WHERE t.user_id = p_user_ids[n] AND t.transaction_key = p_keys[n];
            IF FOUND THEN
                IF v_prior.request_hash = p_hashes[n] THEN
                    result_balance := v_prior.running_balance;
                ELSE
                    error_code := 1003;
                END IF;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        FOR attempt IN 1..2 LOOP
            WITH spent AS (
                UPDATE balances b SET balance = b.balance - p_costs[n]
                WHERE b.user_id = p_user_ids[n] AND b.balance - b.held >= p_costs[n]
                RETURNING b.user_id, b.balance
            ), tx AS (
                INSERT INTO transactions (user_id, transaction_key, type, amount, running_balance, metadata, created_at,
                                          request_hash)
                SELECT spent.user_id, coalesce(p_keys[n], replace(gen_random_uuid()::text, '-', '')), 'USAGE', -p_costs[n],
                       spent.balance, p_metadata[n],
                       to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_hashes[n]
                FROM spent
                RETURNING id, running_balance
            ), queued AS (
                INSERT INTO audit_outbox (tx_id) SELECT tx.id FROM tx
            )
            SELECT tx.running_balance INTO result_balance FROM tx;
            EXIT WHEN result_balance IS NOT NULL OR attempt = 2;
            -- short: let go of the user's lapsed holds (balance row first, then holds), then once more
            PERFORM 1 FROM balances b WHERE b.user_id = p_user_ids[n] FOR UPDATE;
            WITH lapsed AS (
                UPDATE holds h SET status = 'EXPIRED'
                WHERE h.user_id = p_user_ids[n] AND h.status = 'HELD'
                  AND h.expires_at <= to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                RETURNING h.amount
            )
            SELECT coalesce(sum(lapsed.amount), 0) INTO v_freed FROM lapsed;
            EXIT WHEN v_freed = 0;
            UPDATE balances b SET held = b.held - v_freed WHERE b.user_id = p_user_ids[n];
        END LOOP;
        IF result_balance IS NULL THEN
            SELECT b.balance, b.held INTO v_balance, v_held FROM balances b WHERE b.user_id = p_user_ids[n];
            error_code := CASE WHEN FOUND THEN 1001 ELSE 1002 END;
            result_balance := v_balance;
            result_available := v_balance - v_held;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

CREATE FUNCTION public.dbm_spend_batch(p_user_ids text[], p_costs bigint[], p_keys text[], p_hashes text[], p_metadata text[]) RETURNS TABLE(call_index integer, error_code integer, result_balance bigint)
    LANGUAGE plpgsql
    AS $$
DECLARE
    n integer;
    v_balance bigint;
    v_prior record;
BEGIN
    FOR n IN SELECT s.n FROM unnest(p_user_ids) WITH ORDINALITY AS s(user_id, n) ORDER BY s.user_id, s.n LOOP
        call_index := n;
        error_code := 0;
        result_balance := NULL;
        IF p_keys[n] IS NOT NULL THEN
            SELECT b.balance INTO v_balance FROM balances b WHERE b.user_id = p_user_ids[n] FOR UPDATE;
            IF NOT FOUND THEN
                error_code := 1002;
                RETURN NEXT;
                CONTINUE;
            END IF;
            SELECT t.request_hash, t.running_balance INTO v_prior FROM transactions t
                WHERE t.user_id = p_user_ids[n] AND t.transaction_key = p_keys[n];
            IF FOUND THEN
                IF v_prior.request_hash = p_hashes[n] THEN
                    result_balance := v_prior.running_balance;
                ELSE
                    error_code := 1003;
                END IF;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        WITH spent AS (
            UPDATE balances b SET balance = b.balance - p_costs[n]
            WHERE b.user_id = p_user_ids[n] AND b.balance - b.held >= p_costs[n]
            RETURNING b.user_id, b.balance
        ), tx AS (
            INSERT INTO transactions (user_id, transaction_key, type, amount, running_balance, metadata, created_at,
                                      request_hash)
            SELECT spent.user_id, coalesce(p_keys[n], replace(gen_random_uuid()::text, '-', '')), 'USAGE', -p_costs[n],
                   spent.balance, p_metadata[n],
                   to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_hashes[n]
            FROM spent
            RETURNING id, running_balance
        ), queued AS (
            INSERT INTO audit_outbox (tx_id) SELECT tx.id FROM tx
        )
        SELECT tx.running_balance INTO result_balance FROM tx;
        IF result_balance IS NULL THEN
            SELECT b.balance INTO v_balance FROM balances b WHERE b.user_id = p_user_ids[n];
            error_code := CASE WHEN FOUND THEN 1001 ELSE 1002 END;
            result_balance := v_balance;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);

CREATE TABLE public.audit_outbox (
    tx_id bigint NOT NULL
);

CREATE TABLE public.balances (
    user_id character varying(255) NOT NULL,
    balance bigint NOT NULL,
    held bigint DEFAULT '0'::bigint NOT NULL
);

CREATE TABLE public.encryption_keys (
    fingerprint character varying(64) NOT NULL,
    created_at character varying(32) NOT NULL
);

CREATE TABLE public.events_outbox (
    event_id bigint NOT NULL,
    kind character varying(8) NOT NULL,
    graph_exec_id character varying(255) NOT NULL,
    node_exec_id character varying(255) NOT NULL,
    node_id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    graph_id character varying(255) NOT NULL,
    graph_version integer NOT NULL,
    status character varying(16) NOT NULL,
    at character varying(32) NOT NULL
);

CREATE SEQUENCE public.events_outbox_event_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.events_outbox_event_id_seq OWNED BY public.events_outbox.event_id;

CREATE TABLE public.execution_kv (
    user_id character varying(255) NOT NULL,
    key character varying(255) NOT NULL,
    node_exec_id character varying(255) NOT NULL,
    data text,
    created_at character varying(32) NOT NULL,
    updated_at character varying(32)
);

CREATE TABLE public.graph_executions (
    id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    graph_id character varying(255) NOT NULL,
    graph_version integer NOT NULL,
    status character varying(16) NOT NULL,
    created_at character varying(32) NOT NULL,
    updated_at character varying(32),
    started_at character varying(32),
    ended_at character varying(32),
    is_deleted boolean NOT NULL,
    preset_id character varying(255),
    inputs text,
    credential_inputs text,
    nodes_input_masks text,
    stats text,
    parent_graph_execution_id character varying(255),
    is_shared boolean NOT NULL,
    share_token character varying(255),
    shared_at character varying(32)
);

CREATE TABLE public.graph_links (
    id character varying(255) NOT NULL,
    source_id character varying(255) NOT NULL,
    sink_id character varying(255) NOT NULL,
    source_name text NOT NULL,
    sink_name text NOT NULL,
    is_static boolean NOT NULL,
    "position" integer DEFAULT 0 NOT NULL
);

CREATE TABLE public.graph_nodes (
    id character varying(255) NOT NULL,
    graph_id character varying(255) NOT NULL,
    graph_version integer NOT NULL,
    block_id character varying(255) NOT NULL,
    input_default text NOT NULL,
    metadata text NOT NULL,
    webhook_id character varying(255),
    "position" integer DEFAULT 0 NOT NULL
);

CREATE TABLE public.graphs (
    id character varying(255) NOT NULL,
    version integer NOT NULL,
    user_id character varying(255) NOT NULL,
    is_active boolean NOT NULL,
    name text,
    description text,
    instructions text,
    recommended_schedule_cron text,
    forked_from_id character varying(255),
    forked_from_version integer,
    created_at character varying(32) NOT NULL,
    updated_at character varying(32)
);

CREATE TABLE public.holds (
    id character varying(32) NOT NULL,
    user_id character varying(255) NOT NULL,
    amount bigint NOT NULL,
    status character varying(16) NOT NULL,
    captured bigint NOT NULL,
    expires_at character varying(32) NOT NULL,
    created_at character varying(32) NOT NULL,
    transaction_key character varying(255) NOT NULL,
    request_hash character varying(64) NOT NULL,
    metadata text NOT NULL
);

CREATE TABLE public.human_reviews (
    node_exec_id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    graph_exec_id character varying(255) NOT NULL,
    graph_id character varying(255) NOT NULL,
    graph_version integer NOT NULL,
    payload text NOT NULL,
    instructions text,
    editable boolean NOT NULL,
    status character varying(16) NOT NULL,
    review_message text,
    was_edited boolean,
    processed boolean NOT NULL,
    created_at character varying(32) NOT NULL,
    updated_at character varying(32),
    reviewed_at character varying(32)
);

CREATE TABLE public.library_agents (
    id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    graph_id character varying(255) NOT NULL,
    graph_version integer NOT NULL,
    settings text NOT NULL,
    is_deleted boolean NOT NULL,
    is_archived boolean NOT NULL,
    created_at character varying(32) NOT NULL,
    updated_at character varying(32) NOT NULL
);

CREATE TABLE public.node_execution_io (
    id bigint NOT NULL,
    name text NOT NULL,
    data text,
    "time" character varying(32) NOT NULL,
    input_exec_id character varying(255),
    output_exec_id character varying(255)
);

CREATE SEQUENCE public.node_execution_io_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.node_execution_io_id_seq OWNED BY public.node_execution_io.id;

CREATE TABLE public.node_executions (
    id character varying(255) NOT NULL,
    graph_exec_id character varying(255) NOT NULL,
    node_id character varying(255) NOT NULL,
    status character varying(16) NOT NULL,
    execution_data text,
    stats text,
    added_time character varying(32) NOT NULL,
    queued_time character varying(32),
    started_time character varying(32),
    ended_time character varying(32)
);

CREATE TABLE public.notification_batches (
    id character varying(255) NOT NULL,
    user_id character varying(255) NOT NULL,
    type character varying(32) NOT NULL,
    created_at character varying(32) NOT NULL,
    updated_at character varying(32) NOT NULL
);

CREATE TABLE public.notification_events (
    id character varying(255) NOT NULL,
    batch_id character varying(255),
    type character varying(32) NOT NULL,
    data text NOT NULL,
    created_at character varying(32) NOT NULL,
    updated_at character varying(32) NOT NULL
);

CREATE TABLE public.transactions (
    id bigint NOT NULL,
    user_id character varying(255) NOT NULL,
    transaction_key character varying(255) NOT NULL,
    type character varying(16) NOT NULL,
    amount bigint NOT NULL,
    running_balance bigint NOT NULL,
    metadata text NOT NULL,
    created_at character varying(32) NOT NULL,
    request_hash character varying(64) NOT NULL,
    refund_of bigint
);

CREATE SEQUENCE public.transactions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.transactions_id_seq OWNED BY public.transactions.id;

CREATE TABLE public.users (
    id character varying(255) NOT NULL,
    email character varying(320) NOT NULL,
    name text,
    metadata text NOT NULL,
    created_at character varying(32) NOT NULL,
    email_verified boolean DEFAULT true NOT NULL,
    updated_at character varying(32),
    integrations text DEFAULT ''::text NOT NULL,
    stripe_customer_id character varying(255),
    top_up_config text,
    max_emails_per_day integer DEFAULT 3 NOT NULL,
    timezone character varying(64) DEFAULT 'not-set'::character varying NOT NULL,
    notify_on_agent_run boolean DEFAULT true NOT NULL,
    notify_on_zero_balance boolean DEFAULT true NOT NULL,
    notify_on_low_balance boolean DEFAULT true NOT NULL,
    notify_on_block_execution_failed boolean DEFAULT true NOT NULL,
    notify_on_continuous_agent_error boolean DEFAULT true NOT NULL,
    notify_on_daily_summary boolean DEFAULT true NOT NULL,
    notify_on_weekly_summary boolean DEFAULT true NOT NULL,
    notify_on_monthly_summary boolean DEFAULT true NOT NULL,
    notify_on_agent_approved boolean DEFAULT true NOT NULL,
    notify_on_agent_rejected boolean DEFAULT true NOT NULL
);

ALTER TABLE ONLY public.events_outbox ALTER COLUMN event_id SET DEFAULT nextval('public.events_outbox_event_id_seq'::regclass);

ALTER TABLE ONLY public.node_execution_io ALTER COLUMN id SET DEFAULT nextval('public.node_execution_io_id_seq'::regclass);

ALTER TABLE ONLY public.transactions ALTER COLUMN id SET DEFAULT nextval('public.transactions_id_seq'::regclass);

INSERT INTO public.alembic_version VALUES ('0005');

INSERT INTO public.balances VALUES ('frank', 0, 0);
INSERT INTO public.balances VALUES ('erin', 990, 0);

INSERT INTO public.execution_kv VALUES ('erin', 'memo', '8673a463-327f-480c-a2f6-445334666a77', '{"seen":1}', '2026-12-01T12:53:40.157813Z', NULL);

INSERT INTO public.graph_executions VALUES ('323c5b88-6470-4f94-a125-2546a52e9a82', 'erin', 'g-echo', 2, 'COMPLETED', '2026-12-01T12:53:39.780277Z', '2026-12-01T12:53:39.945039Z', '2026-12-01T12:53:39.858684Z', '2026-12-01T12:53:39.945039Z', false, NULL, '{"question":"hi"}', '{}', '{}', '{"cost":250,"walltime":1.5,"correctness_score":0.9}', NULL, false, NULL, NULL);
INSERT INTO public.graph_executions VALUES ('53043f61-8fad-4819-b81b-09e9b9d45154', 'erin', 'g-echo', 2, 'FAILED', '2026-12-01T12:53:39.980769Z', '2026-12-01T12:53:40.131968Z', '2026-12-01T12:53:40.056676Z', '2026-12-01T12:53:40.131968Z', false, NULL, '{"question":"hi"}', '{}', '{}', '{"cost":40,"walltime":1.5}', NULL, false, NULL, NULL);

INSERT INTO public.graph_links VALUES ('21605ee2-a8cb-45a7-b438-4198602c5f58', 'in-1', 'out-1', 'result', 'value', false, 0);
INSERT INTO public.graph_links VALUES ('238545bc-bbd0-4a70-a9da-6185f0587ea9', '2d8d71b1-cd14-421c-8723-1f76a7678f65', '67b6f55f-b62a-405e-8bb1-214f42af0b1c', 'result', 'value', false, 0);

INSERT INTO public.graph_nodes VALUES ('in-1', 'g-echo', 1, 'c0a8e994-ebf1-4a9c-a4d8-89d09c86741b', '{"name":"question"}', '{}', NULL, 0);
INSERT INTO public.graph_nodes VALUES ('out-1', 'g-echo', 1, '363ae599-353e-4804-937e-b2ee3cef3da4', '{"name":"answer"}', '{}', NULL, 1);
INSERT INTO public.graph_nodes VALUES ('2d8d71b1-cd14-421c-8723-1f76a7678f65', 'g-echo', 2, 'c0a8e994-ebf1-4a9c-a4d8-89d09c86741b', '{"name":"question"}', '{}', NULL, 0);
INSERT INTO public.graph_nodes VALUES ('67b6f55f-b62a-405e-8bb1-214f42af0b1c', 'g-echo', 2, '363ae599-353e-4804-937e-b2ee3cef3da4', '{"name":"answer"}', '{}', NULL, 1);

INSERT INTO public.graphs VALUES ('g-echo', 1, 'erin', false, 'Echo', 'repeats its question', NULL, NULL, NULL, NULL, '2026-12-01T12:53:39.662921Z', '2026-12-01T12:53:39.720588Z');
INSERT INTO public.graphs VALUES ('g-echo', 2, 'erin', true, 'Echo', 'repeats its question', NULL, NULL, NULL, NULL, '2026-12-01T12:53:39.720588Z', NULL);

INSERT INTO public.library_agents VALUES ('bb0ae966-9c4b-4bbb-bb82-1cf08a412724', 'erin', 'g-echo', 2, '{"human_in_the_loop_safe_mode":false}', false, false, '2026-12-01T12:53:39.662921Z', '2026-12-01T12:53:39.758043Z');

INSERT INTO public.node_execution_io VALUES (1, 'value', '"hi"', '2026-12-01T12:53:39.780277Z', '64317718-e17c-44be-a525-ff67551a62cf', NULL);
INSERT INTO public.node_execution_io VALUES (2, 'result', '"hi"', '2026-12-01T12:53:39.917563Z', NULL, '64317718-e17c-44be-a525-ff67551a62cf');
INSERT INTO public.node_execution_io VALUES (3, 'value', '"hi"', '2026-12-01T12:53:39.980769Z', '8673a463-327f-480c-a2f6-445334666a77', NULL);
INSERT INTO public.node_execution_io VALUES (4, 'result', '"hi"', '2026-12-01T12:53:40.114450Z', NULL, '8673a463-327f-480c-a2f6-445334666a77');

INSERT INTO public.node_executions VALUES ('64317718-e17c-44be-a525-ff67551a62cf', '323c5b88-6470-4f94-a125-2546a52e9a82', '2d8d71b1-cd14-421c-8723-1f76a7678f65', 'COMPLETED', NULL, NULL, '2026-12-01T12:53:39.780277Z', '2026-12-01T12:53:39.780277Z', '2026-12-01T12:53:39.904236Z', '2026-12-01T12:53:39.922451Z');
INSERT INTO public.node_executions VALUES ('8673a463-327f-480c-a2f6-445334666a77', '53043f61-8fad-4819-b81b-09e9b9d45154', '2d8d71b1-cd14-421c-8723-1f76a7678f65', 'FAILED', NULL, NULL, '2026-12-01T12:53:39.980769Z', '2026-12-01T12:53:39.980769Z', '2026-12-01T12:53:40.087717Z', '2026-12-01T12:53:40.123803Z');

INSERT INTO public.notification_batches VALUES ('b718f186-2c5b-4773-94ea-c15330ae72c7', 'erin', 'AGENT_RUN', '2026-12-01T12:53:40.199667Z', '2026-12-01T12:53:40.199667Z');

INSERT INTO public.notification_events VALUES ('4875a359-1da5-4903-9853-055a2ca7cb29', 'b718f186-2c5b-4773-94ea-c15330ae72c7', 'AGENT_RUN', '{"agent_name":"Echo"}', '2026-12-01T12:53:40.203638Z', '2026-12-01T12:53:40.203638Z');

INSERT INTO public.transactions VALUES (1, 'erin', 'top-1', 'TOP_UP', 1000, 1000, '{}', '2026-12-01T12:53:39.570683Z', '0da2d45f47b56c0cefe6550ae6a33af44f57d3c1541b77b12f4ff90eb6c0afdc', NULL);
INSERT INTO public.transactions VALUES (2, 'erin', 'spend-1', 'USAGE', -10, 990, '{"graph_id":"g-echo"}', '2026-12-01T12:53:39.651234Z', 'b30a1df4b0ae8154e9455a9c876550b96b36ef31561e098c90897580352db23f', NULL);

INSERT INTO public.users VALUES ('erin', 'erin@example.com', 'Erin', '{"plan":"pro"}', '2026-12-01T12:53:39.436508Z', true, '2026-12-01T12:53:39.541097Z', '', NULL, NULL, 3, 'Europe/Paris', true, true, true, true, true, true, true, true, true, true);
INSERT INTO public.users VALUES ('frank', 'frank@example.com', NULL, '{}', '2026-12-01T12:53:39.477723Z', true, '2026-12-01T12:53:40.221794Z', '', NULL, NULL, 3, 'not-set', true, true, true, true, true, false, true, true, true, true);

SELECT pg_catalog.setval('public.events_outbox_event_id_seq', 14, true);

SELECT pg_catalog.setval('public.node_execution_io_id_seq', 4, true);

SELECT pg_catalog.setval('public.transactions_id_seq', 2, true);

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY public.audit_outbox
    ADD CONSTRAINT audit_outbox_pkey PRIMARY KEY (tx_id);

ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_pkey PRIMARY KEY (user_id);

ALTER TABLE ONLY public.encryption_keys
    ADD CONSTRAINT encryption_keys_pkey PRIMARY KEY (fingerprint);

ALTER TABLE ONLY public.events_outbox
    ADD CONSTRAINT events_outbox_pkey PRIMARY KEY (event_id);

ALTER TABLE ONLY public.execution_kv
    ADD CONSTRAINT execution_kv_pkey PRIMARY KEY (user_id, key);

ALTER TABLE ONLY public.graph_executions
    ADD CONSTRAINT graph_executions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.graph_executions
    ADD CONSTRAINT graph_executions_share_token_key UNIQUE (share_token);

ALTER TABLE ONLY public.graph_links
    ADD CONSTRAINT graph_links_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.graph_nodes
    ADD CONSTRAINT graph_nodes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.graphs
    ADD CONSTRAINT graphs_pkey PRIMARY KEY (id, version);

ALTER TABLE ONLY public.holds
    ADD CONSTRAINT holds_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.human_reviews
    ADD CONSTRAINT human_reviews_pkey PRIMARY KEY (node_exec_id);

ALTER TABLE ONLY public.library_agents
    ADD CONSTRAINT library_agents_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.node_execution_io
    ADD CONSTRAINT node_execution_io_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.node_executions
    ADD CONSTRAINT node_executions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.notification_batches
    ADD CONSTRAINT notification_batches_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.notification_events
    ADD CONSTRAINT notification_events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.holds
    ADD CONSTRAINT uq_holds_user_key UNIQUE (user_id, transaction_key);

ALTER TABLE ONLY public.library_agents
    ADD CONSTRAINT uq_library_agents_user_graph UNIQUE (user_id, graph_id);

ALTER TABLE ONLY public.notification_batches
    ADD CONSTRAINT uq_notification_batches_user_type UNIQUE (user_id, type);

ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT uq_transactions_user_key UNIQUE (user_id, transaction_key);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE INDEX ix_graph_executions_created_at ON public.graph_executions USING btree (created_at);

CREATE INDEX ix_graph_executions_graph ON public.graph_executions USING btree (graph_id, graph_version);

CREATE INDEX ix_graph_executions_parent ON public.graph_executions USING btree (parent_graph_execution_id);

CREATE INDEX ix_graph_executions_user_deleted_created ON public.graph_executions USING btree (user_id, is_deleted, created_at);

CREATE INDEX ix_graph_links_sink_id ON public.graph_links USING btree (sink_id);

CREATE INDEX ix_graph_links_source_id ON public.graph_links USING btree (source_id);

CREATE INDEX ix_graph_nodes_block_id ON public.graph_nodes USING btree (block_id);

CREATE INDEX ix_graph_nodes_graph ON public.graph_nodes USING btree (graph_id, graph_version);

CREATE INDEX ix_graphs_forked_from ON public.graphs USING btree (forked_from_id, forked_from_version);

CREATE INDEX ix_graphs_user_id_id_version ON public.graphs USING btree (user_id, id, version);

CREATE INDEX ix_holds_status_expires_at ON public.holds USING btree (status, expires_at);

CREATE INDEX ix_holds_user_id_status ON public.holds USING btree (user_id, status);

CREATE INDEX ix_human_reviews_graph_exec_status ON public.human_reviews USING btree (graph_exec_id, status);

CREATE INDEX ix_human_reviews_user_status ON public.human_reviews USING btree (user_id, status);

CREATE INDEX ix_node_execution_io_input ON public.node_execution_io USING btree (input_exec_id, name);

CREATE INDEX ix_node_execution_io_output ON public.node_execution_io USING btree (output_exec_id);

CREATE INDEX ix_node_executions_added_queued ON public.node_executions USING btree (added_time, queued_time);

CREATE INDEX ix_node_executions_exec_node_status ON public.node_executions USING btree (graph_exec_id, node_id, status);

CREATE INDEX ix_node_executions_node_status ON public.node_executions USING btree (node_id, status);

CREATE INDEX ix_notification_events_batch_id ON public.notification_events USING btree (batch_id);

CREATE INDEX ix_transactions_refund_of ON public.transactions USING btree (refund_of);

CREATE INDEX ix_transactions_user_id_id ON public.transactions USING btree (user_id, id);

ALTER TABLE ONLY public.audit_outbox
    ADD CONSTRAINT audit_outbox_tx_id_fkey FOREIGN KEY (tx_id) REFERENCES public.transactions(id);

ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.execution_kv
    ADD CONSTRAINT execution_kv_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.graph_nodes
    ADD CONSTRAINT fk_graph_nodes_graph FOREIGN KEY (graph_id, graph_version) REFERENCES public.graphs(id, version);

ALTER TABLE ONLY public.graph_executions
    ADD CONSTRAINT graph_executions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.graph_links
    ADD CONSTRAINT graph_links_sink_id_fkey FOREIGN KEY (sink_id) REFERENCES public.graph_nodes(id);

ALTER TABLE ONLY public.graph_links
    ADD CONSTRAINT graph_links_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.graph_nodes(id);

ALTER TABLE ONLY public.graphs
    ADD CONSTRAINT graphs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.holds
    ADD CONSTRAINT holds_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.human_reviews
    ADD CONSTRAINT human_reviews_graph_exec_id_fkey FOREIGN KEY (graph_exec_id) REFERENCES public.graph_executions(id);

ALTER TABLE ONLY public.human_reviews
    ADD CONSTRAINT human_reviews_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.library_agents
    ADD CONSTRAINT library_agents_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.node_execution_io
    ADD CONSTRAINT node_execution_io_input_exec_id_fkey FOREIGN KEY (input_exec_id) REFERENCES public.node_executions(id);

ALTER TABLE ONLY public.node_execution_io
    ADD CONSTRAINT node_execution_io_output_exec_id_fkey FOREIGN KEY (output_exec_id) REFERENCES public.node_executions(id);

ALTER TABLE ONLY public.node_executions
    ADD CONSTRAINT node_executions_graph_exec_id_fkey FOREIGN KEY (graph_exec_id) REFERENCES public.graph_executions(id);

ALTER TABLE ONLY public.node_executions
    ADD CONSTRAINT node_executions_node_id_fkey FOREIGN KEY (node_id) REFERENCES public.graph_nodes(id);

ALTER TABLE ONLY public.notification_batches
    ADD CONSTRAINT notification_batches_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.notification_events
    ADD CONSTRAINT notification_events_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.notification_batches(id);

ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_refund_of_fkey FOREIGN KEY (refund_of) REFERENCES public.transactions(id);

ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


