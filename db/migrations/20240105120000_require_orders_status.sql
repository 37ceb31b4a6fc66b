-- Every order has a status now (20240104120000 backfilled them): make the column NOT NULL.
--
-- SET NOT NULL alone scans the whole table under an ACCESS EXCLUSIVE lock, blocking reads and
-- writes for the length of the scan. A validated CHECK (status is not null) lets PostgreSQL 12+
-- skip that scan, and VALIDATE CONSTRAINT scans under a lock that blocks neither. That only helps
-- when each statement commits on its own (in one transaction every lock is held until COMMIT),
-- hence transaction:false; each statement can run again after a failure.
-- migrate:up transaction:false
alter table orders drop constraint if exists orders_status_not_null;
alter table orders add constraint orders_status_not_null check (status is not null) not valid;
alter table orders validate constraint orders_status_not_null;
alter table orders alter column status set not null;
alter table orders drop constraint orders_status_not_null;

-- migrate:down
alter table orders alter column status drop not null;
