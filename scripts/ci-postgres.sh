# Starts the machine's PostgreSQL 15 cluster (Debian packaging), gives the postgres role a
# password for TCP logins, creates a fresh test database and exports DATABASE_URL.
# Sourced by .ci/run; safe to run again when the cluster is already up.
pg_version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
if [[ -z "$pg_version" ]]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
fi
if ! pg_lsclusters -h | grep -q "^$pg_version main"; then
  pg_createcluster "$pg_version" main >/dev/null
fi
if ! pg_lsclusters -h | grep "^$pg_version main" | grep -q online; then
  pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
fi
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 1
done
su postgres -c "psql -qc \"alter user postgres password 'postgres'\"" >/dev/null
su postgres -c "psql -qc 'drop database if exists chronicle_ci'" >/dev/null
su postgres -c "psql -qc 'create database chronicle_ci'" >/dev/null
export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/chronicle_ci"
