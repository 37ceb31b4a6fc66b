-- migrate:up
create table orders (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id),
  total_cents integer not null check (total_cents >= 0),
  placed_at timestamptz not null default now()
);

-- migrate:down
drop table if exists orders;
