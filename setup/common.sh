# shellcheck shell=bash
# Shared preparation for setup/run and setup/test: system packages, PostgreSQL,
# Odoo 18.0 source, Python virtual environment and the Odoo configuration file.
# Every step checks before it acts, so a second call costs seconds.

set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${CLINIC_LOYALTY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clinic-loyalty}"
ODOO_PATH="${ODOO_PATH:-$CACHE_DIR/odoo-18.0}"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
VENV_DIR="${CLINIC_LOYALTY_VENV:-$CACHE_DIR/venv}"
PYTHON="${PYTHON:-python3}"
ODOO_HTTP_PORT="${ODOO_HTTP_PORT:-8069}"
# One configuration per checkout: two clones sharing the cache keep their own addons_path.
ODOO_CONF="$CACHE_DIR/odoo-$(printf %s "$REPO_DIR" | sha1sum | cut -c1-8).conf"
ODOO_DATA_DIR="$CACHE_DIR/data"
export PGHOST="${PGHOST:-localhost}" PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-$(id -un)}" PGPASSWORD="${PGPASSWORD:-odoo}"

log() { printf '\033[1m[clinic-loyalty]\033[0m %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    # Installs the Debian packages that are missing; does nothing when all are there.
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing system packages (${missing[*]}) and no apt-get to install them"
    log "installing system packages: ${missing[*]}"
    as_root apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_system_packages() {
    # Build headers for Odoo's pinned requirements (psycopg2, python-ldap), the QR decoder
    # used by the tests, wkhtmltopdf for PDF reports and Chromium for the browser tours.
    apt_install postgresql libpq-dev libldap2-dev libsasl2-dev libzbar0 wkhtmltopdf chromium \
        fonts-noto-cjk git
}

ensure_postgres() {
    if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then
        log "starting PostgreSQL"
        local cluster
        cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1" "$2}')
        [ -n "$cluster" ] || die "no PostgreSQL cluster found (pg_lsclusters shows none)"
        # shellcheck disable=SC2086
        as_root pg_ctlcluster $cluster start
        for _ in $(seq 1 30); do
            pg_isready -q -h "$PGHOST" -p "$PGPORT" && break
            sleep 1
        done
        pg_isready -q -h "$PGHOST" -p "$PGPORT" || die "PostgreSQL did not start"
    fi
    # A login role for the current user, allowed to create databases (Odoo creates them).
    if ! psql -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
        log "creating PostgreSQL role $PGUSER"
        as_root su postgres -c "env -u PGHOST -u PGUSER -u PGPASSWORD psql -p $PGPORT -v ON_ERROR_STOP=1 -q -d postgres" <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PGUSER') THEN
        CREATE ROLE "$PGUSER" LOGIN CREATEDB SUPERUSER;
    END IF;
    ALTER ROLE "$PGUSER" LOGIN CREATEDB SUPERUSER PASSWORD '$PGPASSWORD';
END
\$\$;
SQL
    fi
    psql -d postgres -tAc "SELECT 1" >/dev/null || die "cannot connect to PostgreSQL as $PGUSER"
}

ensure_odoo_source() {
    if [ ! -f "$ODOO_PATH/odoo/release.py" ]; then
        [ "$ODOO_PATH" = "$CACHE_DIR/odoo-18.0" ] \
            || die "ODOO_PATH=$ODOO_PATH holds no Odoo source (no odoo/release.py)"
        log "no Odoo source at $ODOO_PATH: cloning the official 18.0 branch"
        mkdir -p "$CACHE_DIR"
        git clone --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_PATH.part" \
            || die "could not obtain Odoo 18.0; set ODOO_PATH to an Odoo 18.0 source tree"
        mv "$ODOO_PATH.part" "$ODOO_PATH"
    fi
    grep -qE "^version_info = \(18, 0," "$ODOO_PATH/odoo/release.py" \
        || die "$ODOO_PATH is not Odoo 18.0"
}

odoo_addons_path() {
    # Release tarballs and nightly builds keep every addon under odoo/addons; a git
    # checkout keeps the applications under addons/. Use the applications' copy that
    # holds sale_loyalty, so an older duplicate never shadows the current one.
    local core="$ODOO_PATH/odoo/addons"
    if [ -d "$core/sale_loyalty" ]; then
        echo "$core,$REPO_DIR"
    else
        echo "$ODOO_PATH/addons,$core,$REPO_DIR"
    fi
}

ensure_venv() {
    local stamp="$VENV_DIR/.clinic-loyalty-stamp" want
    want=$(cat "$ODOO_PATH/requirements.txt" "$REPO_DIR/setup/requirements.txt" | sha256sum | cut -d' ' -f1)
    if [ -x "$VENV_DIR/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    log "preparing the Python environment in $VENV_DIR (first run takes a few minutes)"
    "$PYTHON" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' \
        || die "Odoo 18.0 needs Python 3.10 to 3.12 (set PYTHON=...)"
    [ -x "$VENV_DIR/bin/python" ] || "$PYTHON" -m venv "$VENV_DIR"
    # Some of Odoo's pinned requirements are old sdists whose setup.py needs pkg_resources,
    # gone from setuptools 70: constrain the build environments too.
    local constraints="$CACHE_DIR/build-constraints.txt"
    echo "setuptools<70" > "$constraints"
    export PIP_CONSTRAINT="$constraints" PIP_BUILD_CONSTRAINT="$constraints"
    "$VENV_DIR/bin/pip" install -q --disable-pip-version-check --upgrade pip wheel "setuptools<70"
    "$VENV_DIR/bin/pip" install -q --disable-pip-version-check \
        -r "$ODOO_PATH/requirements.txt" -r "$REPO_DIR/setup/requirements.txt"
    unset PIP_CONSTRAINT PIP_BUILD_CONSTRAINT
    echo "$want" > "$stamp"
}

link_odoo_into_venv() {
    # Makes `import odoo` resolve to ODOO_PATH inside the environment (pytest-odoo needs it);
    # rewritten on every run, so pointing ODOO_PATH elsewhere takes effect at once.
    local site
    site=$("$VENV_DIR/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ODOO_PATH" > "$site/clinic_loyalty_odoo.pth"
}

write_odoo_conf() {
    mkdir -p "$ODOO_DATA_DIR"
    cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $(odoo_addons_path)
data_dir = $ODOO_DATA_DIR
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
http_interface = 127.0.0.1
http_port = $ODOO_HTTP_PORT
admin_passwd = admin
list_db = True
CONF
}

prepare() {
    ensure_system_packages
    ensure_postgres
    ensure_odoo_source
    ensure_venv
    link_odoo_into_venv
    write_odoo_conf
    log "Odoo $(grep -oE '^version_info = \([0-9]+, [0-9]+' "$ODOO_PATH/odoo/release.py" | grep -oE '[0-9]+, [0-9]+' | tr ', ' '.' | tr -s .) from $ODOO_PATH"
}

ADDONS="clinic_loyalty,clinic_loyalty_packages,clinic_loyalty_referral"
# Odoo modules the test database installs next to the addons, so that every order path
# (online payment, the POS discount button) and Odoo's own suites run with nothing
# skipped for want of a module. Not dependencies of the addons.
TEST_EXTRA_MODULES="pos_discount,pos_online_payment,sale_management"

odoo_bin() {
    "$VENV_DIR/bin/python" "$ODOO_PATH/odoo-bin" -c "$ODOO_CONF" "$@"
}
