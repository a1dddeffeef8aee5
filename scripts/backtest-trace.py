#!/usr/bin/env python3
"""A traffic trace shaped like the stats benchmark's 50 M reports a month (docs/benchmarks.md), for `ReportApi trace`.

120 alerting series (2 apps x 5 versions x 4 hosts x 3 diagnoses), about 1,157 device rows a minute, 3-10 networks per
series-minute; a rotation (300 devices of one version-host from 40 networks) for 10 minutes at the start of the last
day's span. Usage: backtest-trace.py END_DAY(YYYY-MM-DD) START_HH:MM MINUTES DAYS > trace.csv
Writes MINUTES minutes from START on END_DAY and on each of the DAYS days before it (the backtest's baselines).
"""
import random, sys, datetime as dt

end_day, start, minutes, days = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(1)
apps = ["com.example.bank", "com.example.shop"]
versions = ["3.0.0", "3.1.0", "3.2.0", "3.2.1", "3.3.0"]
hosts = ["api.example.com", "auth.example.com", "cdn.example.com", "pay.example.com"]
diagnoses = ["unknown", "server-rotation", "client-config-error"]
series = [(a, v, h, d) for a in apps for v in versions for h in hosts for d in diagnoses]
day0 = dt.datetime.fromisoformat(end_day + "T" + start + ":00+00:00")
print("minute,app,version,host,diagnosis,devices,reports,networks,first_device")
for back in range(days, -1, -1):
    t0 = day0 - dt.timedelta(days=back)
    for m in range(minutes):
        t = (t0 + dt.timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for (a, v, h, d) in series:
            n = rng.randint(5, 14)
            print(f"{t},{a},{v},{h},{d},{n},{2 * n},{min(n, rng.randint(3, 10))},{rng.randint(0, 50000)}")
        if back == 0 and 15 <= m < 25:
            print(f"{t},com.example.bank,3.2.1,api.example.com,server-rotation,300,600,40,900000")
