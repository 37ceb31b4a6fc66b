-- migrate:up
create table users (
  id bigint generated always as identity primary key,
  email text not null,
  created_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

-- migrate:down
drop table if exists users;
