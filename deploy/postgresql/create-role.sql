-- Mognad's own PostgreSQL role and database (docs/deploy.md). Run as the postgres superuser:
--   runuser -u postgres -- psql -v ON_ERROR_STOP=1 -v pass="$PGPASS" -f create-role.sql
-- The role owns its database and nothing else: no superuser, no CREATEDB, no CREATEROLE.
CREATE ROLE mognad LOGIN PASSWORD :'pass' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE mognad OWNER mognad ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE mognad FROM PUBLIC;
