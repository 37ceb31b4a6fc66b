// The labelled lint benchmark: small dbmate migrations (or plans of a few), each labelled
// `dangerous` or `safe` by what a careful reviewer of a production PostgreSQL migration would
// say — not by what any linter does — with the reason.
//
// Each entry:
//   id       stable, kebab-case
//   label    'dangerous' | 'safe'
//   reason   why a reviewer says so
//   table    'new' (created earlier in the same snippet or plan) | 'existing' | 'none' (no table touched)
//   size     for existing tables: 'small' | 'large' | 'unknown' (offline: a reviewer assumes it may be large)
//   sizes    optional catalog facts fed to judgeBySize on our side (squawk cannot use them):
//            { "orders": { rows, bytes } }, keys lowercase as written (`schema.name` or `name`)
//   pgVersion optional server major (default: DEFAULT_PG_VERSION below) — given to both tools
//   files    the plan, in order: [{ up, tx?, down? }] (`tx: false` = `-- migrate:up transaction:false`).
//            Only the last file is the change under review; earlier ones set the plan up. Both tools
//            lint every file; the label judges the whole plan (set-up files are always safe).
//
// Only up sections are judged: the label is about what applying the migration does.

/** The server version the labels assume unless an entry says otherwise. */
export const DEFAULT_PG_VERSION = 16;

const LARGE = (t) => ({ [t]: { rows: 12_000_000, bytes: 3.1e9 } });
const SMALL = (t) => ({ [t]: { rows: 40, bytes: 16_384 } });

/** Shorthand: one transactional file. */
const one = (up, extra = {}) => [{ up, ...extra }];
/** Shorthand: a plan whose first file creates `table`, then `up`. */
const afterCreate = (create, up, extra = {}) => [{ up: create }, { up, ...extra }];

const ORDERS = `CREATE TABLE orders (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  customer_id bigint NOT NULL,\n  status text NOT NULL DEFAULT 'new',\n  total numeric(12,2),\n  created_at timestamptz NOT NULL DEFAULT now()\n);`;
const CUSTOMERS = `CREATE TABLE customers (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email text NOT NULL\n);`;

/** @type {Array<{id:string,label:'dangerous'|'safe',reason:string,table:'new'|'existing'|'none',size?:'small'|'large'|'unknown',sizes?:Record<string,{rows:number,bytes:number}>,pgVersion?:number,files:{up:string,tx?:boolean,down?:string}[]}>} */
export const CORPUS = [
  // ------------------------------------------------------------------ CREATE INDEX
  { id: 'index-existing-unknown', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'CREATE INDEX without CONCURRENTLY blocks writes to orders for the whole build; offline the table may be large.', files: one(`CREATE INDEX orders_status_idx ON orders (status);`) },
  { id: 'index-existing-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'A 12 M-row table: the SHARE lock blocks writes for minutes.', files: one(`CREATE INDEX orders_created_idx ON orders (created_at);`) },
  { id: 'index-existing-small', label: 'safe', table: 'existing', size: 'small', sizes: SMALL('countries'), reason: 'A 40-row lookup table: the build takes milliseconds.', files: one(`CREATE INDEX countries_name_idx ON countries (name);`) },
  { id: 'unique-index-existing-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('users'), reason: 'A unique index built without CONCURRENTLY on a large table blocks writes for the build.', files: one(`CREATE UNIQUE INDEX users_email_key ON users (lower(email));`) },
  { id: 'index-new-same-file', label: 'safe', table: 'new', reason: 'The table is created just before in the same section: it is empty.', files: one(`${ORDERS}\nCREATE INDEX orders_customer_idx ON orders (customer_id);`) },
  { id: 'index-new-earlier-file', label: 'safe', table: 'new', reason: 'orders is created by an earlier migration of the same plan, so it is empty when indexed.', files: afterCreate(ORDERS, `CREATE INDEX orders_customer_idx ON orders (customer_id);`) },
  { id: 'index-schema-qualified-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('billing.invoices'), reason: 'Schema-qualified large table, index without CONCURRENTLY.', files: one(`CREATE INDEX invoices_due_idx ON billing.invoices (due_at) WHERE paid_at IS NULL;`) },
  { id: 'index-concurrently-notx', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'CONCURRENTLY in a transaction:false section, idempotent: the recommended way.', files: one(`CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);`, { tx: false, down: 'DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;' }) },
  { id: 'index-concurrently-in-tx', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block: the migration fails.', files: one(`CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);`) },
  { id: 'index-concurrently-new-notx', label: 'safe', table: 'new', reason: 'Concurrent index on a table of the same plan, in a transaction:false file.', files: afterCreate(ORDERS, `CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_idx ON orders (created_at);`, { tx: false }) },

  // ------------------------------------------------------------------ ADD COLUMN
  { id: 'add-nullable-column', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'A nullable column without default is a catalog-only change.', files: one(`ALTER TABLE orders ADD COLUMN note text;`) },
  { id: 'add-column-constant-default', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'Since PostgreSQL 11 a constant default is stored in the catalog: no rewrite.', files: one(`ALTER TABLE orders ADD COLUMN priority integer NOT NULL DEFAULT 0;`) },
  { id: 'add-column-now-default', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'now() is stable, evaluated once: no rewrite.', files: one(`ALTER TABLE orders ADD COLUMN imported_at timestamptz DEFAULT now();`) },
  { id: 'add-column-not-null-no-default', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'NOT NULL without a default fails on any table that has rows.', files: one(`ALTER TABLE orders ADD COLUMN region text NOT NULL;`) },
  { id: 'add-column-not-null-no-default-small', label: 'dangerous', table: 'existing', size: 'small', sizes: SMALL('countries'), reason: 'Even a 40-row table has rows: the ALTER fails.', files: one(`ALTER TABLE countries ADD COLUMN iso3 text NOT NULL;`) },
  { id: 'add-column-not-null-new-table', label: 'safe', table: 'new', reason: 'The table is empty (created earlier in the plan): NOT NULL without default is fine.', files: afterCreate(CUSTOMERS, `ALTER TABLE customers ADD COLUMN name text NOT NULL;`) },
  { id: 'volatile-default-uuid-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'gen_random_uuid() is volatile: the whole table is rewritten under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();`) },
  { id: 'volatile-default-unknown', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'clock_timestamp() default rewrites the table; offline it may be large.', files: one(`ALTER TABLE events ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();`) },
  { id: 'volatile-default-small', label: 'safe', table: 'existing', size: 'small', sizes: SMALL('plans'), reason: 'Rewriting a 40-row table is instantaneous.', files: one(`ALTER TABLE plans ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();`) },
  { id: 'volatile-default-new', label: 'safe', table: 'new', reason: 'Table created in the same section: nothing to rewrite.', files: one(`${CUSTOMERS}\nALTER TABLE customers ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();`) },
  { id: 'add-bigserial-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('events'), reason: 'A serial column fills every row from nextval(): full rewrite under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE events ADD COLUMN seq bigserial;`) },
  { id: 'add-identity-unknown', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'An identity column is filled for every existing row: full rewrite.', files: one(`ALTER TABLE events ADD COLUMN seq bigint GENERATED BY DEFAULT AS IDENTITY;`) },
  { id: 'add-stored-generated-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'A stored generated column is computed for every row: rewrite under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED;`) },

  // ------------------------------------------------------------------ SET NOT NULL
  { id: 'set-not-null-unknown', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'SET NOT NULL scans the table under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE orders ALTER COLUMN total SET NOT NULL;`) },
  { id: 'set-not-null-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'A full scan of 12 M rows under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE orders ALTER COLUMN total SET NOT NULL;`) },
  { id: 'set-not-null-small', label: 'safe', table: 'existing', size: 'small', sizes: SMALL('plans'), reason: 'Scanning 40 rows is instantaneous.', files: one(`ALTER TABLE plans ALTER COLUMN name SET NOT NULL;`) },
  { id: 'set-not-null-new', label: 'safe', table: 'new', reason: 'The table is new in the plan.', files: afterCreate(ORDERS, `ALTER TABLE orders ALTER COLUMN total SET NOT NULL;`) },
  { id: 'set-not-null-after-validated-check-separate', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'The CHECK was added NOT VALID in an earlier migration; this one validates it (SHARE UPDATE EXCLUSIVE) and SET NOT NULL then skips the scan (PG 12+).', files: [{ up: `ALTER TABLE orders ADD CONSTRAINT orders_total_nn CHECK (total IS NOT NULL) NOT VALID;` }, { up: `ALTER TABLE orders VALIDATE CONSTRAINT orders_total_nn;\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;\nALTER TABLE orders DROP CONSTRAINT orders_total_nn;` }] },
  { id: 'set-not-null-check-same-tx', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'ADD CHECK … NOT VALID takes ACCESS EXCLUSIVE and, in the same transaction, that lock is held through VALIDATE’s full scan: the split buys nothing.', files: one(`ALTER TABLE orders ADD CONSTRAINT orders_total_nn CHECK (total IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_nn;\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;`) },
  { id: 'drop-not-null', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'DROP NOT NULL is a catalog-only change.', files: one(`ALTER TABLE orders ALTER COLUMN total DROP NOT NULL;`) },

  // ------------------------------------------------------------------ FK / CHECK
  { id: 'fk-without-not-valid-unknown', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Validating the FK scans orders while blocking writes on orders and customers.', files: one(`ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);`) },
  { id: 'fk-without-not-valid-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'A 12 M-row validation under SHARE ROW EXCLUSIVE on both tables.', files: one(`ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);`) },
  { id: 'fk-not-valid', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'NOT VALID: instant, only new rows are checked (the column is already indexed by an earlier migration).', files: [{ up: `CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);`, tx: false }, { up: `ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;` }] },
  { id: 'fk-validate-separate', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'VALIDATE CONSTRAINT alone takes SHARE UPDATE EXCLUSIVE: reads and writes go on.', files: one(`ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;`) },
  { id: 'fk-not-valid-and-validate-same-tx', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'The ADD’s SHARE ROW EXCLUSIVE lock is held until commit, so VALIDATE in the same transaction blocks writes for the whole scan.', files: one(`ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;`) },
  { id: 'fk-new-tables', label: 'safe', table: 'new', reason: 'Both tables are new in the plan and the referencing column is indexed.', files: [{ up: CUSTOMERS }, { up: `${ORDERS}\nCREATE INDEX orders_customer_idx ON orders (customer_id);\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);` }] },
  { id: 'check-without-not-valid', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'ADD CHECK validates every row under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total >= 0);`) },
  { id: 'check-without-not-valid-small', label: 'safe', table: 'existing', size: 'small', sizes: SMALL('plans'), reason: 'Validating 40 rows is instantaneous.', files: one(`ALTER TABLE plans ADD CONSTRAINT plans_price_pos CHECK (price >= 0);`) },
  { id: 'check-not-valid', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'NOT VALID: instant; validate later.', files: one(`ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total >= 0) NOT VALID;`) },
  { id: 'check-new-table', label: 'safe', table: 'new', reason: 'The table is new in the plan.', files: afterCreate(ORDERS, `ALTER TABLE orders ADD CONSTRAINT orders_total_pos CHECK (total >= 0);`) },
  { id: 'fk-without-index-new', label: 'dangerous', table: 'new', reason: 'The FK column has no index: every DELETE/UPDATE of a customer scans orders (and locks contend); a reviewer asks for the index now, while the table is empty.', files: [{ up: CUSTOMERS }, { up: `CREATE TABLE invoices (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,\n  amount numeric(12,2) NOT NULL\n);` }] },
  { id: 'fk-with-index-new', label: 'safe', table: 'new', reason: 'The referencing column is indexed in the same migration.', files: [{ up: CUSTOMERS }, { up: `CREATE TABLE invoices (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,\n  amount numeric(12,2) NOT NULL\n);\nCREATE INDEX invoices_customer_idx ON invoices (customer_id);` }] },
  { id: 'fk-without-index-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'No index on the referencing column, and no NOT VALID either.', files: one(`ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);`) },
  { id: 'fk-composite-index-prefix', label: 'safe', table: 'new', reason: 'The FK columns are the leading columns of the primary key, which indexes them.', files: afterCreate(ORDERS, `CREATE TABLE order_lines (\n  order_id bigint NOT NULL REFERENCES orders (id),\n  line_no integer NOT NULL,\n  sku text NOT NULL,\n  PRIMARY KEY (order_id, line_no)\n);`) },

  // ------------------------------------------------------------------ TYPE CHANGES
  { id: 'type-int-to-bigint-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('events'), reason: 'int → bigint rewrites the table and its indexes under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE events ALTER COLUMN id TYPE bigint;`) },
  { id: 'type-int-to-bigint-unknown', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'A rewriting type change on a table that may be large.', files: one(`ALTER TABLE events ALTER COLUMN user_id TYPE bigint;`) },
  { id: 'type-int-to-bigint-small', label: 'safe', table: 'existing', size: 'small', sizes: SMALL('plans'), reason: 'Rewriting 40 rows is instantaneous, and widening breaks no client.', files: one(`ALTER TABLE plans ALTER COLUMN id TYPE bigint;`) },
  { id: 'type-text-to-int-using', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'A narrowing cast: rewrite, may fail on bad data, and breaks clients writing strings.', files: one(`ALTER TABLE orders ALTER COLUMN status TYPE integer USING status::integer;`) },
  { id: 'type-varchar-widen', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('users'), reason: 'varchar(10) → varchar(20) is catalog-only: no rewrite, no scan.', files: one(`ALTER TABLE users ALTER COLUMN zip TYPE varchar(20);`) },
  { id: 'type-varchar-to-text', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('users'), reason: 'varchar → text is binary-compatible: no rewrite.', files: one(`ALTER TABLE users ALTER COLUMN name TYPE text;`) },
  { id: 'type-varchar-narrow', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('users'), reason: 'Narrowing varchar(50) → varchar(20) scans every row (and fails on long values) under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE users ALTER COLUMN zip TYPE varchar(20);`) },
  { id: 'type-change-multi-column', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Two rewriting type changes in one statement (one rewrite, still a long ACCESS EXCLUSIVE lock).', files: one(`ALTER TABLE metrics\n  ALTER COLUMN value TYPE double precision,\n  ALTER COLUMN bucket TYPE bigint;`) },
  { id: 'type-change-new', label: 'safe', table: 'new', reason: 'The table is new in the plan.', files: afterCreate(ORDERS, `ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,2);`) },
  { id: 'type-timestamp-to-timestamptz', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('events'), reason: 'timestamp → timestamptz rewrites the table unless the session time zone is UTC; on 12 M rows that is a long lock.', files: one(`ALTER TABLE events ALTER COLUMN created_at TYPE timestamptz;`) },

  // ------------------------------------------------------------------ RENAMES
  { id: 'rename-column-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Running application instances still use the old name until the next deploy.', files: one(`ALTER TABLE users RENAME COLUMN name TO full_name;`) },
  { id: 'rename-table-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Breaks every query of the old name between migration and deploy.', files: one(`ALTER TABLE users RENAME TO accounts;`) },
  { id: 'rename-column-new', label: 'safe', table: 'new', reason: 'No code uses a table created in this plan yet.', files: afterCreate(CUSTOMERS, `ALTER TABLE customers RENAME COLUMN email TO email_address;`) },
  { id: 'rename-index', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'Renaming an index touches no application query.', files: one(`ALTER INDEX orders_status_idx RENAME TO orders_status_ix;`) },
  { id: 'rename-table-new', label: 'safe', table: 'new', reason: 'A table of the same plan: nobody uses it yet.', files: afterCreate(CUSTOMERS, `ALTER TABLE customers RENAME TO clients;`) },

  // ------------------------------------------------------------------ DROPS
  { id: 'drop-table-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Irrecoverable data loss; breaks code still using it.', files: one(`DROP TABLE legacy_sessions;`) },
  { id: 'drop-column-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Irrecoverable data loss; running instances may still select it.', files: one(`ALTER TABLE users DROP COLUMN legacy_flags;`) },
  { id: 'drop-table-new-in-plan', label: 'safe', table: 'new', reason: 'A staging table created earlier in the same plan: dropping it loses nothing.', files: [{ up: `CREATE TABLE import_staging (id bigint, payload jsonb);` }, { up: `DROP TABLE IF EXISTS import_staging;` }] },
  { id: 'drop-column-new-in-plan', label: 'safe', table: 'new', reason: 'A column of a table created in the plan.', files: afterCreate(ORDERS, `ALTER TABLE orders DROP COLUMN total;`) },
  { id: 'drop-index-existing-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table: it queues behind every query of a busy table.', files: one(`DROP INDEX orders_status_idx;`) },
  { id: 'drop-index-unknown', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'As above; offline the table may be large and busy.', files: one(`DROP INDEX IF EXISTS users_legacy_idx;`) },
  { id: 'drop-index-concurrently-notx', label: 'safe', table: 'existing', size: 'large', reason: 'DROP INDEX CONCURRENTLY IF EXISTS in a transaction:false section.', files: one(`DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;`, { tx: false, down: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);' }) },
  { id: 'drop-index-concurrently-in-tx', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'DROP INDEX CONCURRENTLY cannot run in a transaction: the migration fails.', files: one(`DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;`) },
  { id: 'drop-index-new-in-plan', label: 'safe', table: 'new', reason: 'An index of a table created in this plan.', files: afterCreate(`${ORDERS}\nCREATE INDEX orders_status_idx ON orders (status);`, `DROP INDEX orders_status_idx;`) },
  { id: 'drop-view', label: 'safe', table: 'none', reason: 'A view holds no data; replaced in the same migration.', files: one(`DROP VIEW IF EXISTS active_users;\nCREATE VIEW active_users AS SELECT id, email FROM users WHERE deleted_at IS NULL;`) },
  { id: 'drop-function-replace', label: 'safe', table: 'none', reason: 'Replacing a function holds no data.', files: one(`DROP FUNCTION IF EXISTS touch_updated_at();\nCREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;`) },

  // ------------------------------------------------------------------ REINDEX / VACUUM / CLUSTER
  { id: 'reindex-table', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'REINDEX without CONCURRENTLY blocks writes (and reads using the index) for the whole rebuild.', files: one(`REINDEX TABLE orders;`) },
  { id: 'reindex-index', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'As above, for one index.', files: one(`REINDEX INDEX orders_status_idx;`) },
  { id: 'reindex-concurrently-notx', label: 'safe', table: 'existing', size: 'large', reason: 'REINDEX CONCURRENTLY outside a transaction.', files: one(`REINDEX INDEX CONCURRENTLY orders_status_idx;`, { tx: false }) },
  { id: 'reindex-concurrently-in-tx', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'REINDEX CONCURRENTLY cannot run in a transaction block.', files: one(`REINDEX TABLE CONCURRENTLY orders;`) },
  { id: 'vacuum-full', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'VACUUM FULL rewrites the table under ACCESS EXCLUSIVE (and cannot run in a transaction).', files: one(`VACUUM FULL orders;`, { tx: false }) },
  { id: 'cluster', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'CLUSTER rewrites the table under ACCESS EXCLUSIVE.', files: one(`CLUSTER orders USING orders_created_idx;`) },
  { id: 'analyze', label: 'safe', table: 'existing', size: 'large', reason: 'ANALYZE takes SHARE UPDATE EXCLUSIVE and reads a sample.', files: one(`ANALYZE orders;`) },

  // ------------------------------------------------------------------ ENUMS
  { id: 'enum-add-value-pg16', label: 'safe', table: 'none', pgVersion: 16, reason: 'PostgreSQL 12+ allows ADD VALUE in a transaction; the value is not used in it.', files: one(`ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';`) },
  { id: 'enum-add-value-pg11-tx', label: 'dangerous', table: 'none', pgVersion: 11, reason: 'Before PostgreSQL 12, ALTER TYPE … ADD VALUE cannot run inside a transaction block.', files: one(`ALTER TYPE order_status ADD VALUE 'refunded';`) },
  { id: 'enum-add-value-used-same-tx', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'A new enum value cannot be used in the transaction that added it: "unsafe use of new value".', files: one(`ALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;`) },
  { id: 'enum-add-value-notx-pg11', label: 'safe', table: 'none', pgVersion: 11, reason: 'transaction:false: fine on every version.', files: one(`ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';`, { tx: false }) },
  { id: 'create-enum', label: 'safe', table: 'none', reason: 'A new type.', files: one(`CREATE TYPE ticket_state AS ENUM ('open', 'closed');`) },

  // ------------------------------------------------------------------ TRANSACTION CONTROL
  { id: 'begin-commit-in-tx', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'The runner wraps the section in a transaction; COMMIT ends it early, so a later failure leaves a half-applied migration without its ledger row.', files: one(`BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;`) },
  { id: 'commit-in-tx', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'A bare COMMIT splits the migration’s transaction.', files: one(`ALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nALTER TABLE orders ADD COLUMN note2 text;`) },
  { id: 'rollback-in-tx', label: 'dangerous', table: 'none', reason: 'ROLLBACK inside the runner’s transaction discards the work and the ledger row insert fails or lands alone.', files: one(`CREATE TABLE scratch (id int);\nROLLBACK;`) },

  // ------------------------------------------------------------------ PRIMARY KEY / UNIQUE
  { id: 'add-pk-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'ADD PRIMARY KEY builds the index under ACCESS EXCLUSIVE (and SET NOT NULL scans).', files: one(`ALTER TABLE events ADD PRIMARY KEY (id);`) },
  { id: 'add-pk-using-index', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('events'), reason: 'The unique index was built concurrently in an earlier migration and id is already NOT NULL; USING INDEX is catalog-only.', files: [{ up: `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_pkey_idx ON events (id);`, tx: false }, { up: `ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey_idx;` }] },
  { id: 'add-unique-existing-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('users'), reason: 'ADD UNIQUE builds its index under ACCESS EXCLUSIVE on 12 M rows.', files: one(`ALTER TABLE users ADD CONSTRAINT users_email_uq UNIQUE (email);`) },
  { id: 'add-unique-existing-small', label: 'safe', table: 'existing', size: 'small', sizes: SMALL('plans'), reason: 'Indexing 40 rows is instantaneous.', files: one(`ALTER TABLE plans ADD CONSTRAINT plans_code_uq UNIQUE (code);`) },
  { id: 'add-pk-new', label: 'safe', table: 'new', reason: 'The table is new in the plan.', files: [{ up: `CREATE TABLE tags (id bigint NOT NULL, name text NOT NULL);` }, { up: `ALTER TABLE tags ADD PRIMARY KEY (id);` }] },

  // ------------------------------------------------------------------ LOGGED / UNLOGGED / EXCLUSION
  { id: 'set-unlogged-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'SET UNLOGGED rewrites the table, and the data is then lost on a crash and not replicated.', files: one(`ALTER TABLE events SET UNLOGGED;`) },
  { id: 'set-logged-existing-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('events'), reason: 'SET LOGGED rewrites the table into WAL under ACCESS EXCLUSIVE.', files: one(`ALTER TABLE events SET LOGGED;`) },
  { id: 'set-logged-new', label: 'safe', table: 'new', reason: 'A table of the same plan, empty.', files: [{ up: `CREATE UNLOGGED TABLE cache_entries (k text PRIMARY KEY, v jsonb);` }, { up: `ALTER TABLE cache_entries SET LOGGED;` }] },
  { id: 'exclusion-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'ADD EXCLUDE builds a GiST index and checks every row under ACCESS EXCLUSIVE; there is no NOT VALID or USING INDEX for it.', files: one(`ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);`) },
  { id: 'exclusion-new-table', label: 'safe', table: 'new', reason: 'In CREATE TABLE the table is empty.', files: one(`CREATE EXTENSION IF NOT EXISTS btree_gist;\nCREATE TABLE bookings (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  room_id bigint NOT NULL,\n  during tstzrange NOT NULL,\n  EXCLUDE USING gist (room_id WITH =, during WITH &&)\n);`) },

  // ------------------------------------------------------------------ DML
  { id: 'delete-without-where', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Deletes every row: data loss, long row locks, bloat.', files: one(`DELETE FROM sessions;`) },
  { id: 'update-without-where-large', label: 'dangerous', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'Rewrites 12 M row versions in one transaction, locking every row.', files: one(`UPDATE orders SET status = 'new';`) },
  { id: 'update-without-where-unknown', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'A full-table UPDATE in one transaction.', files: one(`UPDATE users SET email = lower(email);`) },
  { id: 'update-without-where-small', label: 'safe', table: 'existing', size: 'small', sizes: SMALL('plans'), reason: 'A 40-row lookup table: a full update is instantaneous and intended.', files: one(`UPDATE plans SET currency = 'EUR';`) },
  { id: 'update-batched', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'A bounded batch.', files: one(`UPDATE orders SET status = 'archived' WHERE id BETWEEN 1 AND 10000 AND created_at < '2020-01-01';`) },
  { id: 'truncate-existing', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Irrecoverable data loss under ACCESS EXCLUSIVE.', files: one(`TRUNCATE audit_log;`) },
  { id: 'truncate-cascade', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'CASCADE also empties every referencing table.', files: one(`TRUNCATE customers CASCADE;`) },
  { id: 'update-new-table', label: 'safe', table: 'new', reason: 'Backfill of a table created in the same section.', files: one(`${CUSTOMERS}\nINSERT INTO customers (email) VALUES ('a@example.com');\nUPDATE customers SET email = lower(email);`) },
  { id: 'seed-new-table', label: 'safe', table: 'new', reason: 'Seed rows of a new lookup table.', files: one(`CREATE TABLE currencies (code text PRIMARY KEY, name text NOT NULL);\nINSERT INTO currencies (code, name) VALUES ('EUR', 'Euro'), ('USD', 'US dollar');`) },
  { id: 'insert-into-existing', label: 'safe', table: 'existing', size: 'large', reason: 'Inserting a few rows takes only ROW EXCLUSIVE.', files: one(`INSERT INTO settings (key, value) VALUES ('feature.x', 'on') ON CONFLICT (key) DO NOTHING;`) },
  { id: 'delete-bounded', label: 'safe', table: 'existing', size: 'large', reason: 'A bounded delete of known rows.', files: one(`DELETE FROM settings WHERE key = 'feature.old';`) },

  // ------------------------------------------------------------------ SECRETS
  { id: 'secret-create-role-password', label: 'dangerous', table: 'none', reason: 'A password committed to the repository (and visible in its history).', files: one(`CREATE ROLE reporting LOGIN PASSWORD 'S3cr3t-reporting-2024';`) },
  { id: 'secret-alter-role-password', label: 'dangerous', table: 'none', reason: 'A password in a migration file.', files: one(`ALTER ROLE app WITH PASSWORD 'correct horse battery staple';`) },
  { id: 'secret-aws-key-literal', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'An AWS access key id and secret in a seed row.', files: one(`INSERT INTO integrations (name, access_key_id, secret) VALUES ('s3', 'AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');`) },
  { id: 'secret-stripe-key', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'A live Stripe secret key in a migration.', files: one(`UPDATE settings SET value = 'sk_live_51H8xYzAbCdEfGhIjKlMnOpQrStUvWx' WHERE key = 'stripe.secret';`) },
  { id: 'secret-github-token', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'A GitHub personal access token in a migration.', files: one(`INSERT INTO settings (key, value) VALUES ('github.token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a');`) },
  { id: 'role-without-password', label: 'safe', table: 'none', reason: 'A role without a password (set out of band).', files: one(`DO $$ BEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reporting') THEN CREATE ROLE reporting NOLOGIN; END IF;\nEND $$;`) },
  { id: 'uuid-literal-not-secret', label: 'safe', table: 'existing', size: 'large', reason: 'A UUID and a URL are not secrets.', files: one(`INSERT INTO settings (key, value) VALUES ('tenant.default', '9b2f7c1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b'), ('docs.url', 'https://example.com/docs');`) },
  { id: 'password-column-not-secret', label: 'safe', table: 'new', reason: 'A column named password_hash is schema, not a secret.', files: one(`CREATE TABLE accounts (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  password_hash text NOT NULL\n);\nCOMMENT ON COLUMN accounts.password_hash IS 'argon2id hash, never the password';`) },

  // ------------------------------------------------------------------ GRANTS
  { id: 'grant-to-public', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'Every role, present and future, can read the table.', files: one(`GRANT SELECT ON customers TO PUBLIC;`) },
  { id: 'grant-all', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'GRANT ALL gives TRUNCATE, REFERENCES and TRIGGER too: least privilege says name them.', files: one(`GRANT ALL ON ALL TABLES IN SCHEMA public TO app;`) },
  { id: 'grant-all-privileges-table', label: 'dangerous', table: 'existing', size: 'unknown', reason: 'ALL PRIVILEGES on a table to an application role.', files: one(`GRANT ALL PRIVILEGES ON orders TO reporting;`) },
  { id: 'grant-specific', label: 'safe', table: 'existing', size: 'unknown', reason: 'Named privileges to a named role.', files: one(`GRANT SELECT, INSERT, UPDATE ON orders TO app_rw;`) },
  { id: 'revoke-public', label: 'safe', table: 'none', reason: 'Revoking from PUBLIC tightens access.', files: one(`REVOKE ALL ON SCHEMA public FROM PUBLIC;`) },
  { id: 'grant-execute-public-function', label: 'dangerous', table: 'none', reason: 'EXECUTE to PUBLIC on a SECURITY DEFINER function lets any role run it with the owner’s rights.', files: one(`GRANT EXECUTE ON FUNCTION admin_reset_password(bigint) TO PUBLIC;`) },

  // ------------------------------------------------------------------ CLEARLY SAFE
  { id: 'create-table', label: 'safe', table: 'new', reason: 'A new table.', files: one(ORDERS) },
  { id: 'create-table-if-not-exists', label: 'safe', table: 'new', reason: 'A new table with constraints inline.', files: one(`CREATE TABLE IF NOT EXISTS webhooks (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  url text NOT NULL CHECK (url ~ '^https://'),\n  secret_ref text,\n  created_at timestamptz NOT NULL DEFAULT now()\n);`) },
  { id: 'create-table-with-unique', label: 'safe', table: 'new', reason: 'UNIQUE in CREATE TABLE: the table is empty.', files: one(`CREATE TABLE api_clients (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  name text NOT NULL UNIQUE\n);`) },
  { id: 'create-view', label: 'safe', table: 'none', reason: 'A view holds no data and takes no lock on writes.', files: one(`CREATE VIEW recent_orders AS SELECT * FROM orders WHERE created_at > now() - interval '7 days';`) },
  { id: 'create-or-replace-function', label: 'safe', table: 'none', reason: 'A function definition.', files: one(`CREATE OR REPLACE FUNCTION order_total(o orders) RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT o.total $$;`) },
  { id: 'comment-on', label: 'safe', table: 'existing', size: 'large', reason: 'Comments are catalog-only.', files: one(`COMMENT ON TABLE orders IS 'one row per checkout';\nCOMMENT ON COLUMN orders.total IS 'gross, in the order currency';`) },
  { id: 'create-extension', label: 'safe', table: 'none', reason: 'An idempotent extension install.', files: one(`CREATE EXTENSION IF NOT EXISTS pgcrypto;`) },
  { id: 'create-schema', label: 'safe', table: 'none', reason: 'A new schema.', files: one(`CREATE SCHEMA IF NOT EXISTS reporting;`) },
  { id: 'create-sequence', label: 'safe', table: 'none', reason: 'A new sequence.', files: one(`CREATE SEQUENCE IF NOT EXISTS invoice_numbers START 1000;`) },
  { id: 'set-default', label: 'safe', table: 'existing', size: 'large', sizes: LARGE('orders'), reason: 'SET DEFAULT affects new rows only: catalog-only.', files: one(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';`) },
  { id: 'create-trigger-new-table', label: 'safe', table: 'new', reason: 'A trigger on a new table.', files: one(`${ORDERS}\nCREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_updated_at();`) },
  { id: 'create-materialized-view-new-data', label: 'safe', table: 'none', reason: 'A new materialized view WITH NO DATA: no scan now.', files: one(`CREATE MATERIALIZED VIEW daily_totals AS SELECT date_trunc('day', created_at) AS day, sum(total) AS total FROM orders GROUP BY 1 WITH NO DATA;`) },
  { id: 'create-table-as-new', label: 'safe', table: 'new', reason: 'A new table from a small lookup query, indexed while new.', files: one(`CREATE TABLE country_codes AS SELECT code, name FROM (VALUES ('DE', 'Germany'), ('FR', 'France')) AS v(code, name);\nCREATE UNIQUE INDEX country_codes_code ON country_codes (code);`) },
  { id: 'partial-index-new', label: 'safe', table: 'new', reason: 'Indexes on a new table.', files: one(`${ORDERS}\nCREATE INDEX orders_open_idx ON orders (created_at) WHERE status = 'new';\nCREATE UNIQUE INDEX orders_customer_open_uq ON orders (customer_id) WHERE status = 'new';`) },
  { id: 'set-statistics', label: 'safe', table: 'existing', size: 'large', reason: 'SET STATISTICS is catalog-only (SHARE UPDATE EXCLUSIVE).', files: one(`ALTER TABLE orders ALTER COLUMN status SET STATISTICS 500;`) },
  { id: 'lock-timeout-then-add-column', label: 'safe', table: 'existing', size: 'large', reason: 'A catalog-only change with an explicit lock_timeout.', files: one(`SET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN IF NOT EXISTS channel text;`) },
  { id: 'attach-default-partition-new', label: 'safe', table: 'new', reason: 'A new partitioned table and its partitions.', files: one(`CREATE TABLE measurements (id bigint NOT NULL, at timestamptz NOT NULL, v double precision) PARTITION BY RANGE (at);\nCREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\nCREATE INDEX measurements_at_idx ON measurements (at);`) },
];
