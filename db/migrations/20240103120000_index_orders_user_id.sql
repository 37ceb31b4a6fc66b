-- Foreign-key lookups need an index; build it without blocking writes.
-- CONCURRENTLY cannot run in a transaction, hence transaction:false.
-- migrate:up transaction:false
create index concurrently if not exists orders_user_id_idx on orders (user_id);
create index concurrently if not exists orders_placed_at_idx on orders (placed_at);

-- migrate:down transaction:false
drop index concurrently if exists orders_placed_at_idx;
drop index concurrently if exists orders_user_id_idx;
