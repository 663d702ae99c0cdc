# Sourced by the other scripts: finds Python 3.12 and makes the project's virtualenv in .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.12 python3 python; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Python 3.12 is required (see .python-version); set PYTHON=/path/to/python3.12" >&2
    return 1
}

# Installs exactly what requirements/<lock>.txt pins (every package, direct and transitive, with its hashes),
# and again whenever that lock changes. scripts/upgrade-deps is the one way the lock moves.
ensure_venv() {
    local lock="requirements/$1.txt"
    if [ ! -x .venv/bin/python ]; then
        "$(find_python)" -m venv .venv
    fi
    local stamp=".venv/.locked-$1"
    if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
        .venv/bin/python -m pip check
        touch "$stamp"
    fi
}
