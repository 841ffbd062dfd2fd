BEGIN TRANSACTION;
CREATE TABLE audit_outbox (
	tx_id INTEGER NOT NULL, 
	PRIMARY KEY (tx_id), 
	FOREIGN KEY(tx_id) REFERENCES transactions (id)
);
CREATE TABLE balances (
	user_id VARCHAR(255) NOT NULL, 
	balance BIGINT NOT NULL, 
	PRIMARY KEY (user_id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
INSERT INTO "balances" VALUES('alice',870);
INSERT INTO "balances" VALUES('bob',0);
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	applied_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_migrations" VALUES(1,'users, balances, ledger, audit outbox','2026-12-01T05:02:44.035698Z');
INSERT INTO "schema_migrations" VALUES(2,'dbm_spend_batch: spends by group commit (PostgreSQL)','2026-12-01T05:02:44.036729Z');
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
	CONSTRAINT uq_transactions_user_key UNIQUE (user_id, transaction_key), 
	FOREIGN KEY(user_id) REFERENCES users (id), 
	FOREIGN KEY(refund_of) REFERENCES transactions (id)
);
INSERT INTO "transactions" VALUES(1,'alice','top-1','TOP_UP',1000,1000,'{"source":"stripe"}','2026-12-01T05:02:44.063388Z','bb59bdeaf679fde5289824e9b58bb57e72fd9b643edacf3b3dfd9c9a98a735ba',NULL);
INSERT INTO "transactions" VALUES(2,'bob','grant-1','GRANT',50,50,'{"reason":"welcome"}','2026-12-01T05:02:44.071846Z','8f95bdc923634bde1885a3a62e6c8e8a5c572e2e3bae83d0bce92fa1b7625ea4',NULL);
INSERT INTO "transactions" VALUES(3,'alice','spend-1','USAGE',-120,880,'{"graph_id":"g1","node_id":"n1"}','2026-12-01T05:02:44.079570Z','e81d160836ec0c3b2d6f11c0f102b240fa3417bc5f510d4589f365adb1e09456',NULL);
INSERT INTO "transactions" VALUES(4,'alice','spend-2','USAGE',-30,850,'{}','2026-12-01T05:02:44.086703Z','87cb749a9413bd9fb6479db0458a7f5da47125c4882d13aaa3cd5348d0411103',NULL);
INSERT INTO "transactions" VALUES(5,'alice','refund-1','REFUND',20,870,'{"reason":"partial","spend_transaction_key":"spend-1"}','2026-12-01T05:02:44.096227Z','6ac8e23d4a883cf37678d080e433c3d5571c0dcb48df9a21bf460a5677e82113',3);
INSERT INTO "transactions" VALUES(6,'bob','spend-3','USAGE',-50,0,'{"reason":"all of it"}','2026-12-01T05:02:44.103652Z','d7b73e42a2ab96de26e0cef286fe223387060f1cc6f50acaf6a2067090d1893d',NULL);
CREATE TABLE users (
	id VARCHAR(255) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	name TEXT, 
	metadata TEXT NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (email)
);
INSERT INTO "users" VALUES('alice','alice@example.com','Alice','{"plan":"pro"}','2026-12-01T05:02:44.045369Z');
INSERT INTO "users" VALUES('bob','bob@example.com',NULL,'{}','2026-12-01T05:02:44.052962Z');
INSERT INTO "audit_outbox" VALUES(5);
INSERT INTO "audit_outbox" VALUES(6);
CREATE INDEX ix_transactions_user_id_id ON transactions (user_id, id);
CREATE INDEX ix_transactions_refund_of ON transactions (refund_of);
COMMIT;
