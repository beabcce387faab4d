#!/usr/bin/env python3
"""Walks the whole population feed of a running simulator over one keep-alive connection and reports
records/s (wall) and the simulator's CPU seconds. Usage: population_throughput.py EXPORTS_FILE PID [LIMIT]"""
import base64, http.client, json, os, re, sys, time, urllib.parse

env = dict(re.findall(r"export (\w+)=(\S+)", open(sys.argv[1]).read()))
pid = int(sys.argv[2]); limit = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
url = urllib.parse.urlparse(env["CITYPIPE_POPULATION_URL"])
conn = http.client.HTTPConnection(url.hostname, url.port)
basic = base64.b64encode(f'{env["CITYPIPE_POPULATION_CLIENT_ID"]}:{env["CITYPIPE_POPULATION_CLIENT_SECRET"]}'.encode()).decode()
conn.request("POST", "/oauth/token", "grant_type=client_credentials",
             {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"})
token = json.loads(conn.getresponse().read())["access_token"]

def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

cursor = None; records = 0; pages = 0; nbytes = 0
c0 = cpu(); t0 = time.perf_counter()
while True:
    q = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
    conn.request("GET", "/v1/citizens?" + q, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse(); body = r.read()
    assert r.status == 200, (r.status, body[:200])
    nbytes += len(body); pages += 1
    m = re.search(rb'"meta":\{"count":(\d+),"next_cursor":(null|"([^"]*)")\}\}$', body)
    records += int(m.group(1))
    cursor = m.group(3).decode() if m.group(3) else None
    if not cursor: break
t = time.perf_counter() - t0; c = cpu() - c0
print(f"{records} records, {pages} pages, {nbytes/1e6:.1f} MB in {t:.2f} s wall: {records/t:,.0f} records/s; "
      f"simulator CPU {c:.2f} s = {records/c if c else 0:,.0f} records per CPU-second")
