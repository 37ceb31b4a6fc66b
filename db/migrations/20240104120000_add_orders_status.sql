-- Orders get a status. New orders start as 'placed'; orders from before this migration were all
-- fulfilled, so a batched backfill marks them 'shipped' without locking the table for long.
--
-- transaction:false because the backfill commits after every batch (a transaction would hold the
-- row locks of the whole table until the end). Every statement is idempotent, so after a failure
-- part-way through the file can simply run again: it continues where it stopped.
-- migrate:up transaction:false
-- Catalog-only changes: no table rewrite, the ACCESS EXCLUSIVE lock is held for milliseconds.
alter table orders add column if not exists status text;
alter table orders alter column status set default 'placed';

-- NOT VALID: enforced for new and updated rows at once; existing rows are checked below by
-- VALIDATE CONSTRAINT, which does not block reads or writes.
do $$
begin
  if not exists (select 1 from pg_constraint where conrelid = 'orders'::regclass and conname = 'orders_status_check') then
    alter table orders add constraint orders_status_check
      check (status in ('placed', 'paid', 'shipped', 'cancelled')) not valid;
  end if;
end
$$;

-- The backfill: primary-key ranges of 5000 rows, one transaction each.
do $$
declare
  batch_size constant bigint := 5000;
  last_id bigint := 0;
  max_id bigint;
begin
  select coalesce(max(id), 0) into max_id from orders;
  while last_id < max_id loop
    update orders set status = 'shipped'
     where id > last_id and id <= last_id + batch_size and status is null;
    last_id := last_id + batch_size;
    commit;
  end loop;
end
$$;

alter table orders validate constraint orders_status_check;

-- migrate:down
alter table orders drop column if exists status;
