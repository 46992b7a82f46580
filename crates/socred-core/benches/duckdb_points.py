"""The peer of the rescore benchmark: DuckDB computes the points sum with
expiry per subject on the same records (points and the day a record stops
counting precomputed by the benchmark), with one thread and with all.

python3 duckdb_points.py INPUT.csv AS_OF_JULIAN_DAY THREADS RUNS
prints one line per thread count: threads, best seconds, subjects in the result.
"""

import sys
import time

import duckdb


def main() -> None:
    path, as_of, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    connection = duckdb.connect(":memory:")
    connection.execute(
        "CREATE TABLE records AS SELECT * FROM read_csv(?, header = true, "
        "columns = {'subject': 'INTEGER', 'points': 'INTEGER', 'start_day': 'INTEGER', 'end_day': 'INTEGER'})",
        [path],
    )
    query = (
        "SELECT count(*), sum(total) FROM (SELECT subject, sum(points) AS total FROM records "
        "WHERE start_day <= ? AND end_day > ? GROUP BY subject)"
    )
    for thread_count in sorted({1, threads}):
        connection.execute(f"SET threads = {thread_count}")
        best = float("inf")
        groups = 0
        for _ in range(runs):
            started = time.perf_counter()
            groups, _ = connection.execute(query, [as_of, as_of]).fetchone()
            best = min(best, time.perf_counter() - started)
        print(thread_count, f"{best:.6f}", groups)


if __name__ == "__main__":
    main()
