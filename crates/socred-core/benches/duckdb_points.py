"""The peer of the rescore benchmark: DuckDB computes the points sum with
expiry per subject on the same records (points and the day a record stops
counting precomputed by the benchmark).

python3 duckdb_points.py INPUT.csv AS_OF_JULIAN_DAY

loads the records into an in-memory table (not timed) and prints "ready";
then, for each line of standard input holding a thread count, runs the
query once with that many threads and prints: threads, seconds, subjects in
the result. The benchmark asks between its own runs, so that both are timed
under the same load on the machine.
"""

import sys
import time

import duckdb


def main() -> None:
    path, as_of = sys.argv[1], int(sys.argv[2])
    connection = duckdb.connect(":memory:")
    # Nothing but answers on the pipes: the benchmark reads standard error only when the peer fails.
    connection.execute("SET enable_progress_bar = false")
    connection.execute(
        "CREATE TABLE records AS SELECT * FROM read_csv(?, header = true, "
        "columns = {'subject': 'INTEGER', 'points': 'INTEGER', 'start_day': 'INTEGER', 'end_day': 'INTEGER'})",
        [path],
    )
    query = (
        "SELECT count(*), sum(total) FROM (SELECT subject, sum(points) AS total FROM records "
        "WHERE start_day <= ? AND end_day > ? GROUP BY subject)"
    )
    print("ready", flush=True)
    for line in sys.stdin:
        threads = int(line)
        if not 1 <= threads <= 1024:
            raise SystemExit(f"a thread count from 1 to 1024, not {threads}")
        connection.execute(f"SET threads = {threads}")
        started = time.perf_counter()
        groups, _ = connection.execute(query, [as_of, as_of]).fetchone()
        print(threads, f"{time.perf_counter() - started:.6f}", groups, flush=True)


if __name__ == "__main__":
    main()
