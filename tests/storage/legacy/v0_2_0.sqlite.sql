PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES('0003');
CREATE TABLE users (
	id VARCHAR(255) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	name TEXT, 
	metadata TEXT NOT NULL, 
	created_at VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (email)
);
INSERT INTO users VALUES('carol','carol@example.com','Carol','{"plan":"team"}','2026-12-01T11:13:17.308496Z');
INSERT INTO users VALUES('dave','dave@example.com',NULL,'{}','2026-12-01T11:13:17.435249Z');
CREATE TABLE balances (
	user_id VARCHAR(255) NOT NULL, 
	balance BIGINT NOT NULL, held BIGINT DEFAULT '0' NOT NULL, 
	PRIMARY KEY (user_id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);
INSERT INTO balances VALUES('carol',430,100);
INSERT INTO balances VALUES('dave',0,0);
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
INSERT INTO transactions VALUES(1,'carol','top-1','TOP_UP',500,500,'{}','2026-12-01T11:13:17.662927Z','8502012c1039ca156fbea070806f1fb535c11d11702f54d511c8fca9410030f2',NULL);
INSERT INTO transactions VALUES(2,'carol','spend-1','USAGE',-40,460,'{"graph_id":"g2"}','2026-12-01T11:13:17.818239Z','f216b9fa16151f6f55e771856e148c6dcf68bf856b0078375ba702e7d59c3080',NULL);
INSERT INTO transactions VALUES(3,'carol','cap-1','USAGE',-30,430,'{"hold_id":"e442ae33e5b04881a773972024e03ee8"}','2026-12-01T11:13:18.259726Z','08e9955785449eaafaaeb78762569f4c10bb2ee89bf45ad8adf6ab4dfa98579f',NULL);
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
INSERT INTO holds VALUES('bbe68c3c451d4d50953ffad526d3155d','carol',100,'HELD',0,'2026-12-02T11:13:17.947841Z','2026-12-01T11:13:17.947841Z','hold-held','f347770899cd07342409613df537901410b8f85e0aefd9e791516926e46e3b33','{}');
INSERT INTO holds VALUES('e442ae33e5b04881a773972024e03ee8','carol',50,'CAPTURED',30,'2026-12-02T11:13:18.115164Z','2026-12-01T11:13:18.115164Z','hold-cap','5bca04976fe553b99dd5da0777e82903710e98719e434a9e7cea611976bf2dde','{}');
INSERT INTO holds VALUES('f01776e652b74622b7cbe8981b082e49','carol',20,'RELEASED',0,'2026-12-02T11:13:18.338970Z','2026-12-01T11:13:18.338970Z','hold-rel','2328ff16c00aa1deb141cb228b96c07de77c08fd5d4c600f1c99e6b4e5ca94d0','{}');
CREATE INDEX ix_transactions_user_id_id ON transactions (user_id, id);
CREATE INDEX ix_transactions_refund_of ON transactions (refund_of);
CREATE INDEX ix_holds_user_id_status ON holds (user_id, status);
CREATE INDEX ix_holds_status_expires_at ON holds (status, expires_at);
COMMIT;
