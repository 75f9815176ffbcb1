#!/usr/bin/env bash
# Builds the fuzz seed corpora in fuzz/corpus/TARGET/ (never committed) from:
#   - the openCypher TCK queries, read from ../shared/tck at run time
#     (or $KG_TCK_DIR), never copied into the repository;
#   - examples/*.kgq and the Cypher script among the I/O golden files;
#   - seeds/*.kg, cut into small fact files;
#   - the I/O golden files (tests/golden/io) for the importers;
#   - graph files and write-ahead logs written by the kg binary;
#   - the hand-written seeds in fuzz/seeds/TARGET/.
# Usage: fuzz/seed-corpora.sh   (re-running adds; files are named by content)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tck=${KG_TCK_DIR:-$root/../shared/tck}
out=$here/corpus
work=$(mktemp -d "${TMPDIR:-/tmp}/kg-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT

# add TARGET: stages standard input as one corpus file; at the end each
# staged file is stored under a name made from its hash (no duplicates).
stage=$work/stage
count=0
add() {
    mkdir -p "$stage/$1"
    count=$((count + 1))
    cat > "$stage/$1/$count"
}

# --- Cypher queries: one file per statement -------------------------------
queries=$work/queries
mkdir -p "$queries"
if [ -d "$tck/features" ]; then
    # Every doc string of a feature file ("""...""") is a query.
    find "$tck/features" -name '*.feature' -print0 |
        xargs -0 awk -v dir="$queries" '
            FNR == 1 { file = FILENAME; gsub(/[^A-Za-z0-9]/, "_", file) }
            /^[ \t]*"""[ \t]*$/ {
                if (inside) { close(path); inside = 0 }
                else { inside = 1; n++; path = dir "/tck-" file "-" n }
                next
            }
            inside { sub(/^      /, ""); print > path }'
else
    echo "seed-corpora: no TCK at $tck (set KG_TCK_DIR); skipping its queries" >&2
fi
for f in "$root"/examples/*.kgq; do
    # Whole scripts (comments, several statements) and each statement alone.
    cp "$f" "$queries/example-$(basename "$f")"
    awk -v dir="$queries" -v base="$(basename "$f")" '
        /^\/\// { next }
        { buf = buf $0 "\n" }
        /;[ \t]*$/ { n++; printf "%s", buf > (dir "/stmt-" base "-" n); close(dir "/stmt-" base "-" n); buf = "" }' "$f"
done
grep -v '^//' "$root/tests/golden/io/small.cypher" | awk -v dir="$queries" 'NF { n++; print > (dir "/golden-cypher-" n); close(dir "/golden-cypher-" n) }'

for t in cypher_parse cypher_exec print_parse; do
    mkdir -p "$stage/$t"
    cp "$queries"/* "$stage/$t/"
done
# kg batch: each query as a request, with and without a time limit.
mkdir -p "$stage/batch_request"
python3 - "$queries" "$stage/batch_request" <<'PY'
import json, os, sys
d = sys.argv[1]
for i, name in enumerate(sorted(os.listdir(d))):
    q = open(os.path.join(d, name), encoding="utf-8", errors="replace").read()
    req = {"id": i, "query": q}
    if i % 2:
        req["timeout_ms"] = 200
    if i % 7 == 0:
        req["params"] = {"x": 1, "s": "Morocco", "l": [1, 2.5, None], "m": {"k": True}}
    with open(os.path.join(sys.argv[2], f"q{i}"), "w", encoding="utf-8") as out:
        out.write(json.dumps(req, ensure_ascii=(i % 3 == 0)) + "\n")
PY

# --- Fact files: the seed file, and its paragraphs with the article lines --
for f in "$root"/seeds/*.kg; do
    add facts < "$f"
    python3 - "$f" "$work/facts" <<'PY'
import os, sys
text = open(sys.argv[1], encoding="utf-8").read()
os.makedirs(sys.argv[2], exist_ok=True)
articles = [l for l in text.splitlines() if l.startswith("article ")]
paragraphs = [p for p in text.split("\n\n") if p.strip() and not p.lstrip().startswith("article ")]
# Groups of three paragraphs, each with the article declarations.
for i in range(0, len(paragraphs), 3):
    with open(os.path.join(sys.argv[2], f"part-{i}"), "w", encoding="utf-8") as out:
        out.write("\n".join(articles) + "\n\n" + "\n\n".join(paragraphs[i:i + 3]) + "\n")
PY
done
for f in "$work"/facts/*; do add facts < "$f"; done

# --- Importers: a flags byte, the node file, NUL, the relationship file ---
io=$root/tests/golden/io
for flags in '\x00' '\x01' '\x04' '\x21'; do
    # (process substitution, not a pipe: add must run in this shell)
    add import_csv < <(printf "$flags"; cat "$io/small.csv.nodes.csv"; printf '\0'; cat "$io/small.csv.edges.csv")
    add import_neo4j_csv < <(printf "$flags"; cat "$io/small.neo4j.nodes.csv"; printf '\0'; cat "$io/small.neo4j.edges.csv")
    add import_jsonl < <(printf "$flags"; cat "$io/small.jsonl")
done

# --- Graph files and write-ahead logs, written by kg itself ---------------
kg=${KG_BIN:-$root/target/debug/kg}
if [ ! -x "$kg" ]; then
    (cd "$root" && cargo build --quiet --bin kg)
fi
db=$work/db
mkdir -p "$db"
"$kg" "$db/empty.kgdb" -c "RETURN 1" > /dev/null 2>&1
"$kg" "$db/small.kgdb" \
    -c "CREATE (:W {i: 1, f: 2.5, s: 'é', l: [1, 2], b: true})-[:R {w: 0.5}]->(:V:X {d: date('2024-02-29')})" \
    -c "MATCH (n:V) SET n.m = 'مرحبا'" > /dev/null 2>&1
"$kg" import --quiet --out "$db/seed.kgdb" "$root/seeds/morocco-ct.kg" > /dev/null 2>&1
for g in "$db"/*.kgdb; do
    add snapshot < "$g"
    # The body alone, for the snapshot target's checksum-fixing mode.
    # (format 2: a 64-byte header)
    add snapshot < <(printf BODY; tail -c +65 "$g")
    if [ -f "$g.wal" ]; then add wal < "$g.wal"; fi
done
# A log with records: statements, then a long one killed midway (a
# finished kg checkpoints, which empties the log).
"$kg" "$db/log.kgdb" --continue \
    -c "CREATE (:W {i: 1})" \
    -c "CREATE (:W {i: 2})-[:R {k: 'v'}]->(:X {s: 'x'})" \
    -c "MATCH (n:W) SET n.t = [1.5, 2.0]" \
    -c "MATCH (n:X) DETACH DELETE n" \
    -c "UNWIND range(1, 10000) AS i UNWIND range(1, 10000) AS j WITH i, j WHERE i + j < 0 RETURN i" > /dev/null 2>&1 &
pid=$!
sleep 2
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
add wal < "$db/log.kgdb.wal"
add snapshot < "$db/log.kgdb"
# The same records' payloads, for the wal target's RECS mode (format 2:
# a 32-byte header, then 20-byte frames whose first 4 bytes are the length).
add wal < <(python3 - "$db/log.kgdb.wal" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
pos, out = 32, []
while pos + 20 <= len(b):
    n = int.from_bytes(b[pos:pos + 4], 'little')
    out.append(b[pos + 20:pos + 20 + n])
    pos += 20 + n
sys.stdout.buffer.write(b'RECS' + b'\xff'.join(out))
PY
)

# --- Hand-written seeds ----------------------------------------------------
if [ -d "$here/seeds" ]; then
    for dir in "$here"/seeds/*/; do
        t=$(basename "$dir")
        for f in "$dir"*; do [ -f "$f" ] && add "$t" < "$f"; done
    done
fi

python3 - "$stage" "$out" <<'PY'
import hashlib, os, sys
stage, out = sys.argv[1], sys.argv[2]
for target in sorted(os.listdir(stage)):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    for name in os.listdir(os.path.join(stage, target)):
        data = open(os.path.join(stage, target, name), "rb").read()
        if data:
            digest = hashlib.sha1(data).hexdigest()[:16]
            with open(os.path.join(out, target, digest), "wb") as f:
                f.write(data)
PY
for dir in "$out"/*/; do
    printf '%-18s %5d files\n' "$(basename "$dir")" "$(find "$dir" -type f | wc -l)"
done
