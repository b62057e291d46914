#!/usr/bin/python3
"""What the phone index's queries cost a real Odoo, next to the ones they replaced.

    python3 bench/real-odoo-queries.py URL DATABASE KEY_FILE [--login admin] [--runs 5]

Times each query over JSON-RPC (median of --runs, after one warm-up) and prints
`name: value unit` lines like rd-bench. The queries are those of src/crm/odoo/rd-odoo-enum.c
(refresh, reconciliation, first-fill page) and, for comparison, those the hub used before
(ordered by write_date, which has no index in Odoo) and a plain caller lookup. Read-only.
"""
import argparse
import json
import statistics
import threading
import time
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("database")
    ap.add_argument("key_file")
    ap.add_argument("--login", default="admin")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    key = open(a.key_file).read().strip()

    def call(service, method, *args):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                           "params": {"service": service, "method": method, "args": list(args)}}).encode()
        req = urllib.request.Request(a.url.rstrip("/") + "/jsonrpc", body, {"Content-Type": "application/json"})
        reply = json.load(urllib.request.urlopen(req, timeout=600))
        if "error" in reply:
            raise SystemExit("Odoo: %s" % reply["error"].get("data", {}).get("message", reply["error"]))
        return reply["result"]

    uid = call("common", "authenticate", a.database, a.login, key, {})
    if not uid:
        raise SystemExit("Odoo refused the login or key")

    def kw(model, method, args, kwargs):
        return call("object", "execute_kw", a.database, uid, key, model, method, args, kwargs)

    max_id = kw("res.partner", "search_read", [[["active", "in", [True, False]]]],
                {"fields": ["id"], "order": "id desc", "limit": 1})[0]["id"]
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 600))
    lean = ["complete_name", "is_company", "commercial_company_name", "phone", "mobile", "country_id",
            "write_date"]
    classic = ["display_name", "name", "is_company", "parent_id", "phone", "email", "user_id", "country_id",
               "write_date", "active", "mobile"]
    both = ["active", "in", [True, False]]
    mid = max_id // 2
    queries = [
        ("refresh_query", "ms", "the hub's refresh: new ids + a 100,000-id window written since a mark",
         "search_read", [["|", ["id", ">", max_id], "&", "&", ["id", ">=", mid], ["id", "<", mid + 100000],
                          ["write_date", ">", now]]], {"fields": lean, "order": "id asc", "load": ""}),
        ("old_refresh_query", "ms", "before: everything written since a mark, ordered by write_date",
         "search_read", [[both, "|", ["write_date", ">", now], "&", ["write_date", "=", now], ["id", ">", 0]]],
         {"fields": classic, "order": "write_date asc, id asc", "limit": 1000}),
        ("reconcile_range", "ms", "the hub's reconciliation: ids only, 50,000 ids",
         "search", [[["id", ">=", mid], ["id", "<", mid + 50000]]], {"order": "id asc"}),
        ("fill_page", "ms", "the hub's first fill: 10,000 ids, lean stored fields, load=''",
         "search_read", [[["id", ">=", mid], ["id", "<", mid + 10000]]],
         {"fields": lean, "order": "id asc", "limit": 20000, "load": ""}),
        ("old_fill_page", "ms", "before: 10,000 records after an id, every field the lookups read",
         "search_read", [[both, ["id", ">", mid]]], {"fields": classic, "order": "id asc", "limit": 10000}),
        ("lookup_phone_sanitized", "ms", "a caller lookup in Odoo itself (phone_sanitized =)",
         "search_read", [[["phone_sanitized", "=", "+8613800138000"]]], {"fields": ["id"], "limit": 5}),
    ]
    print("odoo_contacts_max_id: %d ids" % max_id)
    for name, unit, what, method, args, kwargs in queries:
        kw("res.partner", method, args, kwargs)   # warm-up
        times = []
        for _ in range(a.runs):
            t = time.monotonic()
            kw("res.partner", method, args, kwargs)
            times.append((time.monotonic() - t) * 1000)
        print("b7q_%s_p50: %.1f %s" % (name, statistics.median(times), unit))
        print("#   %s" % what)

    # Can this Odoo serve first-fill pages side by side? Two pages of different ranges sent at
    # once: the time until both are answered, against one page alone (a threaded Odoo runs its
    # Python one request at a time; with --workers each request has a process of its own).
    def page(first):
        kw("res.partner", "search_read", [[["id", ">=", first], ["id", "<", first + 10000]]],
           {"fields": lean, "order": "id asc", "limit": 20000, "load": ""})

    one, two = [], []
    for r in range(a.runs):
        base = (r * 40000) % max(max_id - 40000, 1) + 1
        t = time.monotonic()
        page(base)
        one.append((time.monotonic() - t) * 1000)
        threads = [threading.Thread(target=page, args=(base + 10000 + i * 10000,)) for i in range(2)]
        t = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        two.append((time.monotonic() - t) * 1000)
    print("b7q_fill_page_alone_p50: %.1f ms" % statistics.median(one))
    print("b7q_fill_pages_two_at_once_p50: %.1f ms" % statistics.median(two))
    print("#   two pages sent together until both are answered; 2x alone = served one at a time")


if __name__ == "__main__":
    main()
