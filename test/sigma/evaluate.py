"""Runs a KQL query over audit rows with duckdb-kql (a KQL-to-DuckDB translator; not Azure Data
Explorer) and prints the result rows as JSON lines.

Usage: evaluate.py TABLE QUERY.kql ROWS.jsonl
  TABLE  AzureDiagnostics (rows: TimeGenerated, Category, log_s) or AKSAudit / AKSAuditAdmin
         (rows: the resource-specific columns; dynamic columns as JSON values).
"""
import json
import sys

import duckdb
import duckdb_kql

DYNAMIC = ["ObjectRef", "User", "SourceIps", "RequestObject", "ResponseObject", "ResponseStatus", "Annotations"]
STRINGS = ["Verb", "UserAgent", "AuditId", "Stage", "Level", "RequestUri"]


def load(con, table, rows):
    if table == "AzureDiagnostics":
        con.execute("create table AzureDiagnostics (TimeGenerated TIMESTAMP, Category VARCHAR, log_s VARCHAR)")
        for row in rows:
            con.execute(
                "insert into AzureDiagnostics values (?, ?, ?)",
                [row["TimeGenerated"], row["Category"], row["log_s"]],
            )
        return
    columns = ["TimeGenerated TIMESTAMP"] + [f"{c} VARCHAR" for c in STRINGS] + [f"{c} JSON" for c in DYNAMIC]
    con.execute(f"create table {table} ({', '.join(columns)})")
    names = ["TimeGenerated"] + STRINGS + DYNAMIC
    for row in rows:
        values = [row.get("TimeGenerated")] + [row.get(c) for c in STRINGS]
        values += [None if row.get(c) is None else json.dumps(row[c]) for c in DYNAMIC]
        con.execute(f"insert into {table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})", values)


def main():
    table, query_file, rows_file = sys.argv[1:4]
    with open(rows_file, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    with open(query_file, encoding="utf-8") as f:
        query = f.read()
    con = duckdb.connect()
    load(con, table, rows)
    relation = duckdb_kql.kql(con, query)
    columns = relation.columns
    for values in relation.fetchall():
        print(json.dumps(dict(zip(columns, values)), default=str))


if __name__ == "__main__":
    main()
