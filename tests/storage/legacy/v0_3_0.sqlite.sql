PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES('0005');
CREATE TABLE balances (
	user_id VARCHAR(255) NOT NULL, 
	balance BIGINT NOT NULL, held BIGINT DEFAULT '0' NOT NULL, 
	PRIMARY KEY (user_id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
INSERT INTO balances VALUES('erin',990,0);
INSERT INTO balances VALUES('frank',0,0);
CREATE TABLE transactions (
	id INTEGER NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	transaction_key VARCHAR(255) NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	amount BIGINT NOT NULL, 
	running_balance BIGINT NOT NULL, 
	metadata TEXT NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	request_hash VARCHAR(64) NOT NULL, 
	refund_of INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(refund_of) REFERENCES transactions (id), 
	FOREIGN KEY(user_id) REFERENCES users (id), 
	CONSTRAINT uq_transactions_user_key UNIQUE (user_id, transaction_key)
);
INSERT INTO transactions VALUES(1,'erin','top-1','TOP_UP',1000,1000,'{}','2026-12-01T12:53:25.943872Z','0da2d45f47b56c0cefe6550ae6a33af44f57d3c1541b77b12f4ff90eb6c0afdc',NULL);
INSERT INTO transactions VALUES(2,'erin','spend-1','USAGE',-10,990,'{"graph_id":"g-echo"}','2026-12-01T12:53:25.984131Z','b30a1df4b0ae8154e9455a9c876550b96b36ef31561e098c90897580352db23f',NULL);
CREATE TABLE audit_outbox (
	tx_id INTEGER NOT NULL, 
	PRIMARY KEY (tx_id), 
	FOREIGN KEY(tx_id) REFERENCES transactions (id)
);
CREATE TABLE holds (
	id VARCHAR(32) NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	amount BIGINT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	captured BIGINT NOT NULL, 
	expires_at VARCHAR(32) NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	transaction_key VARCHAR(255) NOT NULL, 
	request_hash VARCHAR(64) NOT NULL, 
	metadata TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id), 
	CONSTRAINT uq_holds_user_key UNIQUE (user_id, transaction_key)
);
CREATE TABLE events_outbox (
	event_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	kind VARCHAR(8) NOT NULL, 
	graph_exec_id VARCHAR(255) NOT NULL, 
	node_exec_id VARCHAR(255) NOT NULL, 
	node_id VARCHAR(255) NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	graph_id VARCHAR(255) NOT NULL, 
	graph_version INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	at VARCHAR(32) NOT NULL
);
CREATE TABLE execution_kv (
	user_id VARCHAR(255) NOT NULL, 
	"key" VARCHAR(255) NOT NULL, 
	node_exec_id VARCHAR(255) NOT NULL, 
	data TEXT, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32), 
	PRIMARY KEY (user_id, "key"), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
INSERT INTO execution_kv VALUES('erin','memo','03a91b0f-7023-4616-948d-bb8ef45b76f7','{"seen":1}','2026-12-01T12:53:26.922187Z',NULL);
CREATE TABLE graph_executions (
	id VARCHAR(255) NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	graph_id VARCHAR(255) NOT NULL, 
	graph_version INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32), 
	started_at VARCHAR(32), 
	ended_at VARCHAR(32), 
	is_deleted BOOLEAN NOT NULL, 
	preset_id VARCHAR(255), 
	inputs TEXT, 
	credential_inputs TEXT, 
	nodes_input_masks TEXT, 
	stats TEXT, 
	parent_graph_execution_id VARCHAR(255), 
	is_shared BOOLEAN NOT NULL, 
	share_token VARCHAR(255), 
	shared_at VARCHAR(32), 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id), 
	UNIQUE (share_token)
);
INSERT INTO graph_executions VALUES('b94d5272-a2d7-4cfe-8bcc-570d2d946d0e','erin','g-echo',2,'COMPLETED','2026-12-01T12:53:26.119393Z','2026-12-01T12:53:26.446513Z','2026-12-01T12:53:26.205410Z','2026-12-01T12:53:26.446513Z',0,NULL,'{"question":"hi"}','{}','{}','{"cost":250,"walltime":1.5,"correctness_score":0.9}',NULL,0,NULL,NULL);
INSERT INTO graph_executions VALUES('41ee700e-1858-439b-b03c-14d14c26bf97','erin','g-echo',2,'FAILED','2026-12-01T12:53:26.510758Z','2026-12-01T12:53:26.836371Z','2026-12-01T12:53:26.650547Z','2026-12-01T12:53:26.836371Z',0,NULL,'{"question":"hi"}','{}','{}','{"cost":40,"walltime":1.5}',NULL,0,NULL,NULL);
CREATE TABLE graphs (
	id VARCHAR(255) NOT NULL, 
	version INTEGER NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	is_active BOOLEAN NOT NULL, 
	name TEXT, 
	description TEXT, 
	instructions TEXT, 
	recommended_schedule_cron TEXT, 
	forked_from_id VARCHAR(255), 
	forked_from_version INTEGER, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32), 
	PRIMARY KEY (id, version), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
INSERT INTO graphs VALUES('g-echo',1,'erin',0,'Echo','repeats its question',NULL,NULL,NULL,NULL,'2026-12-01T12:53:26.004143Z','2026-12-01T12:53:26.032456Z');
INSERT INTO graphs VALUES('g-echo',2,'erin',1,'Echo','repeats its question',NULL,NULL,NULL,NULL,'2026-12-01T12:53:26.032456Z',NULL);
CREATE TABLE library_agents (
	id VARCHAR(255) NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	graph_id VARCHAR(255) NOT NULL, 
	graph_version INTEGER NOT NULL, 
	settings TEXT NOT NULL, 
	is_deleted BOOLEAN NOT NULL, 
	is_archived BOOLEAN NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id), 
	CONSTRAINT uq_library_agents_user_graph UNIQUE (user_id, graph_id)
);
INSERT INTO library_agents VALUES('7a92cb15-8831-4dd8-91d4-edac68bccc35','erin','g-echo',2,'{"human_in_the_loop_safe_mode":false}',0,0,'2026-12-01T12:53:26.004143Z','2026-12-01T12:53:26.081692Z');
CREATE TABLE graph_nodes (
	id VARCHAR(255) NOT NULL, 
	graph_id VARCHAR(255) NOT NULL, 
	graph_version INTEGER NOT NULL, 
	block_id VARCHAR(255) NOT NULL, 
	input_default TEXT NOT NULL, 
	metadata TEXT NOT NULL, 
	webhook_id VARCHAR(255), 
	position INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT fk_graph_nodes_graph FOREIGN KEY(graph_id, graph_version) REFERENCES graphs (id, version)
);
INSERT INTO graph_nodes VALUES('in-1','g-echo',1,'c0a8e994-ebf1-4a9c-a4d8-89d09c86741b','{"name":"question"}','{}',NULL,0);
INSERT INTO graph_nodes VALUES('out-1','g-echo',1,'363ae599-353e-4804-937e-b2ee3cef3da4','{"name":"answer"}','{}',NULL,1);
INSERT INTO graph_nodes VALUES('48dc29b9-38cb-4ab9-ac48-a68b2279e993','g-echo',2,'c0a8e994-ebf1-4a9c-a4d8-89d09c86741b','{"name":"question"}','{}',NULL,0);
INSERT INTO graph_nodes VALUES('b43fbcbe-7656-4335-9841-5408e3827fa5','g-echo',2,'363ae599-353e-4804-937e-b2ee3cef3da4','{"name":"answer"}','{}',NULL,1);
CREATE TABLE graph_links (
	id VARCHAR(255) NOT NULL, 
	source_id VARCHAR(255) NOT NULL, 
	sink_id VARCHAR(255) NOT NULL, 
	source_name TEXT NOT NULL, 
	sink_name TEXT NOT NULL, 
	is_static BOOLEAN NOT NULL, 
	position INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(sink_id) REFERENCES graph_nodes (id), 
	FOREIGN KEY(source_id) REFERENCES graph_nodes (id)
);
INSERT INTO graph_links VALUES('5f1226b8-3f5e-4315-bd6c-409cad535fdb','in-1','out-1','result','value',0,0);
INSERT INTO graph_links VALUES('807d8772-a806-4962-b262-384b721fd853','48dc29b9-38cb-4ab9-ac48-a68b2279e993','b43fbcbe-7656-4335-9841-5408e3827fa5','result','value',0,0);
CREATE TABLE node_executions (
	id VARCHAR(255) NOT NULL, 
	graph_exec_id VARCHAR(255) NOT NULL, 
	node_id VARCHAR(255) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	execution_data TEXT, 
	stats TEXT, 
	added_time VARCHAR(32) NOT NULL, 
	queued_time VARCHAR(32), 
	started_time VARCHAR(32), 
	ended_time VARCHAR(32), 
	PRIMARY KEY (id), 
	FOREIGN KEY(graph_exec_id) REFERENCES graph_executions (id), 
	FOREIGN KEY(node_id) REFERENCES graph_nodes (id)
);
INSERT INTO node_executions VALUES('c7ead63e-86f6-48ec-a209-d1c7a19d627b','b94d5272-a2d7-4cfe-8bcc-570d2d946d0e','48dc29b9-38cb-4ab9-ac48-a68b2279e993','COMPLETED',NULL,NULL,'2026-12-01T12:53:26.119393Z','2026-12-01T12:53:26.119393Z','2026-12-01T12:53:26.247504Z','2026-12-01T12:53:26.376077Z');
INSERT INTO node_executions VALUES('03a91b0f-7023-4616-948d-bb8ef45b76f7','41ee700e-1858-439b-b03c-14d14c26bf97','48dc29b9-38cb-4ab9-ac48-a68b2279e993','FAILED',NULL,NULL,'2026-12-01T12:53:26.510758Z','2026-12-01T12:53:26.510758Z','2026-12-01T12:53:26.694437Z','2026-12-01T12:53:26.807420Z');
CREATE TABLE node_execution_io (
	id INTEGER NOT NULL, 
	name TEXT NOT NULL, 
	data TEXT, 
	time VARCHAR(32) NOT NULL, 
	input_exec_id VARCHAR(255), 
	output_exec_id VARCHAR(255), 
	PRIMARY KEY (id), 
	FOREIGN KEY(input_exec_id) REFERENCES node_executions (id), 
	FOREIGN KEY(output_exec_id) REFERENCES node_executions (id)
);
INSERT INTO node_execution_io VALUES(1,'value','"hi"','2026-12-01T12:53:26.119393Z','c7ead63e-86f6-48ec-a209-d1c7a19d627b',NULL);
INSERT INTO node_execution_io VALUES(2,'result','"hi"','2026-12-01T12:53:26.328174Z',NULL,'c7ead63e-86f6-48ec-a209-d1c7a19d627b');
INSERT INTO node_execution_io VALUES(3,'value','"hi"','2026-12-01T12:53:26.510758Z','03a91b0f-7023-4616-948d-bb8ef45b76f7',NULL);
INSERT INTO node_execution_io VALUES(4,'result','"hi"','2026-12-01T12:53:26.737494Z',NULL,'03a91b0f-7023-4616-948d-bb8ef45b76f7');
CREATE TABLE encryption_keys (
	fingerprint VARCHAR(64) NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (fingerprint)
);
CREATE TABLE notification_batches (
	id VARCHAR(255) NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id), 
	CONSTRAINT uq_notification_batches_user_type UNIQUE (user_id, type)
);
INSERT INTO notification_batches VALUES('0b8b00b7-8b61-4e31-ad42-14f83b216888','erin','AGENT_RUN','2026-12-01T12:53:27.003496Z','2026-12-01T12:53:27.003496Z');
CREATE TABLE human_reviews (
	node_exec_id VARCHAR(255) NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	graph_exec_id VARCHAR(255) NOT NULL, 
	graph_id VARCHAR(255) NOT NULL, 
	graph_version INTEGER NOT NULL, 
	payload TEXT NOT NULL, 
	instructions TEXT, 
	editable BOOLEAN NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	review_message TEXT, 
	was_edited BOOLEAN, 
	processed BOOLEAN NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32), 
	reviewed_at VARCHAR(32), 
	PRIMARY KEY (node_exec_id), 
	FOREIGN KEY(graph_exec_id) REFERENCES graph_executions (id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE TABLE notification_events (
	id VARCHAR(255) NOT NULL, 
	batch_id VARCHAR(255), 
	type VARCHAR(32) NOT NULL, 
	data TEXT NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	updated_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(batch_id) REFERENCES notification_batches (id)
);
INSERT INTO notification_events VALUES('518a45c2-4255-401d-8b99-11927c2ec21d','0b8b00b7-8b61-4e31-ad42-14f83b216888','AGENT_RUN','{"agent_name":"Echo"}','2026-12-01T12:53:27.006882Z','2026-12-01T12:53:27.006882Z');
CREATE TABLE IF NOT EXISTS "users" (
	id VARCHAR(255) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	name TEXT, 
	metadata TEXT NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	email_verified BOOLEAN DEFAULT 1 NOT NULL, 
	updated_at VARCHAR(32), 
	integrations TEXT DEFAULT '' NOT NULL, 
	stripe_customer_id VARCHAR(255), 
	top_up_config TEXT, 
	max_emails_per_day INTEGER DEFAULT '3' NOT NULL, 
	timezone VARCHAR(64) DEFAULT 'not-set' NOT NULL, 
	notify_on_agent_run BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_zero_balance BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_low_balance BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_block_execution_failed BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_continuous_agent_error BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_daily_summary BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_weekly_summary BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_monthly_summary BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_agent_approved BOOLEAN DEFAULT 1 NOT NULL, 
	notify_on_agent_rejected BOOLEAN DEFAULT 1 NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (email)
);
INSERT INTO users VALUES('erin','erin@example.com','Erin','{"plan":"pro"}','2026-12-01T12:53:25.632127Z',1,'2026-12-01T12:53:25.910236Z','',NULL,NULL,3,'Europe/Paris',1,1,1,1,1,1,1,1,1,1);
INSERT INTO users VALUES('frank','frank@example.com',NULL,'{}','2026-12-01T12:53:25.678334Z',1,'2026-12-01T12:53:27.028682Z','',NULL,NULL,3,'not-set',1,1,1,1,1,0,1,1,1,1);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('events_outbox',14);
CREATE INDEX ix_transactions_user_id_id ON transactions (user_id, id);
CREATE INDEX ix_transactions_refund_of ON transactions (refund_of);
CREATE INDEX ix_holds_user_id_status ON holds (user_id, status);
CREATE INDEX ix_holds_status_expires_at ON holds (status, expires_at);
CREATE INDEX ix_graph_executions_created_at ON graph_executions (created_at);
CREATE INDEX ix_graph_executions_graph ON graph_executions (graph_id, graph_version);
CREATE INDEX ix_graph_executions_parent ON graph_executions (parent_graph_execution_id);
CREATE INDEX ix_graph_executions_user_deleted_created ON graph_executions (user_id, is_deleted, created_at);
CREATE INDEX ix_graphs_forked_from ON graphs (forked_from_id, forked_from_version);
CREATE INDEX ix_graphs_user_id_id_version ON graphs (user_id, id, version);
CREATE INDEX ix_graph_nodes_block_id ON graph_nodes (block_id);
CREATE INDEX ix_graph_nodes_graph ON graph_nodes (graph_id, graph_version);
CREATE INDEX ix_graph_links_sink_id ON graph_links (sink_id);
CREATE INDEX ix_graph_links_source_id ON graph_links (source_id);
CREATE INDEX ix_node_executions_added_queued ON node_executions (added_time, queued_time);
CREATE INDEX ix_node_executions_exec_node_status ON node_executions (graph_exec_id, node_id, status);
CREATE INDEX ix_node_executions_node_status ON node_executions (node_id, status);
CREATE INDEX ix_node_execution_io_input ON node_execution_io (input_exec_id, name);
CREATE INDEX ix_node_execution_io_output ON node_execution_io (output_exec_id);
CREATE INDEX ix_human_reviews_graph_exec_status ON human_reviews (graph_exec_id, status);
CREATE INDEX ix_human_reviews_user_status ON human_reviews (user_id, status);
CREATE INDEX ix_notification_events_batch_id ON notification_events (batch_id);
COMMIT;
