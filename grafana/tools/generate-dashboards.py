# Generates grafana/dashboards/*.json (the provisioned dashboards). Edit panels here, run
#   python3 grafana/tools/generate-dashboards.py
# and commit both; tests/ReportApi.Tests/Dashboards runs every SQL query of the generated JSON.
import json, os, re
PG = {"type": "grafana-postgresql-datasource", "uid": "pinreports-postgres"}
PROM = {"type": "prometheus", "uid": "pinreports-prometheus"}
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dashboards")
os.makedirs(OUT, exist_ok=True)

def sql_target(sql, fmt="time_series", ref="A"):
    return {"refId": ref, "datasource": PG, "rawQuery": True, "editorMode": "code", "format": fmt, "rawSql": sql.strip()}

def prom_target(expr, legend, ref="A"):
    return {"refId": ref, "datasource": PROM, "expr": expr, "legendFormat": legend, "editorMode": "code", "range": True}

class Board:
    def __init__(self): self.panels=[]; self.next_id=1; self.y=0
    def add(self, title, kind, targets, w=12, h=8, x=None, description="", field_config=None, options=None, ds=PG):
        if x is None:
            x = 0 if not self.panels or self.panels[-1]["gridPos"]["x"] + self.panels[-1]["gridPos"]["w"] + w > 24 else self.panels[-1]["gridPos"]["x"] + self.panels[-1]["gridPos"]["w"]
            if x == 0 and self.panels: self.y += self.panels[-1]["gridPos"]["h"]
        p = {"id": self.next_id, "type": kind, "title": title, "description": description, "datasource": ds,
             "gridPos": {"x": x, "y": self.y, "w": w, "h": h}, "targets": targets,
             "fieldConfig": field_config or {"defaults": {}, "overrides": []}, "options": options or {}}
        self.next_id += 1; self.panels.append(p); return p

EXPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export")
os.makedirs(EXPORT, exist_ok=True)
# Importing into another Grafana (Dashboards > Import): the provisioned files name this stack's datasource uids; the
# copies in grafana/export name them as ${DS_...} inputs, which the import dialog maps to that Grafana's datasources.
INPUTS = {PG["uid"]: {"name": "DS_PINREPORTS_POSTGRESQL", "label": "PinReports PostgreSQL", "description": "The PinReports database, as a read-only role",
                      "type": "datasource", "pluginId": PG["type"], "pluginName": "PostgreSQL"},
          PROM["uid"]: {"name": "DS_PROMETHEUS", "label": "Prometheus", "description": "Prometheus scraping the PinReports replicas",
                        "type": "datasource", "pluginId": PROM["type"], "pluginName": "Prometheus"}}

def exportable(board):
    text = json.dumps(board)
    used = [uid for uid in INPUTS if f'"uid": "{uid}"' in text]
    for uid in used:
        text = text.replace(f'"uid": "{uid}"', '"uid": "${' + INPUTS[uid]["name"] + '}"')
    copy = json.loads(text)
    copy["__inputs"] = [INPUTS[uid] for uid in used]
    copy["__requires"] = [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "11.0.0"}] + [
        {"type": "datasource", "id": INPUTS[uid]["pluginId"], "name": INPUTS[uid]["pluginName"], "version": "1.0.0"} for uid in used]
    return {k: copy[k] for k in ["__inputs", "__requires"] + [k for k in copy if not k.startswith("__")]}

def write(name, board):
    json.dump(board, open(f"{OUT}/{name}", "w"), indent=2)
    json.dump(exportable(board), open(f"{EXPORT}/{name}", "w"), indent=2)

def dashboard(uid, title, board, description, templating=None, annotations=None, time_from="now-6h", refresh="1m"):
    return {"uid": uid, "title": title, "description": description, "tags": ["pinreports"], "timezone": "utc",
            "schemaVersion": 39, "version": 1, "editable": False, "graphTooltip": 1, "refresh": refresh,
            "time": {"from": time_from, "to": "now"}, "templating": {"list": templating or []},
            "annotations": {"list": annotations or []}, "panels": board.panels, "links": []}

# ---------------- Pin failures overview ----------------
b = Board()
# Rollup panels read failure_stats(grain, from, to, grouping mask, filters...): closed buckets from the serving
# tables the rollup closer keeps, the open bucket counted live (docs/stats.md). failure_grain() picks the bucket
# from the range like the API's default interval (up to 2 h: 1 minute, 12 h: 5 minutes, 14 days: 1 hour, else 1 day).
# Grouping mask bits: app 1, version 2, platform 4, hostname 8, noted_hostname 16, diagnosis 32.
RANGE = "failure_grain($__timeFrom(), $__timeTo()), $__timeFrom(), $__timeTo()"
# The overview's app variable: "All" is '%', i.e. no filter (failure_stats' p_app NULL).
APP = "NULLIF('$app', '%')"
DRILL_DOWN = "/d/pinreports-version/app-version-drilldown?var-app=${__data.fields.app}&var-version=${__data.fields.version}&${__url_time_range}"
b.add("Failing devices by noted hostname", "timeseries", [sql_target(f"""
SELECT f.bucket AS "time", f.noted_hostname AS metric, f.devices
FROM failure_stats({RANGE}, 16, {APP}) f
ORDER BY 1""")], description="Distinct devices with a stored failure report per bucket (1 minute up to 2 h ranges, 5 minutes up to 12 h, 1 hour up to 14 days, else 1 day); exact.",
    field_config={"defaults": {"unit": "none", "custom": {"drawStyle": "bars", "stacking": {"mode": "normal"}}}, "overrides": []})
b.add("Failing devices by app version", "timeseries", [sql_target(f"""
SELECT f.bucket AS "time", f.app || ' ' || f.version AS metric, f.devices
FROM failure_stats({RANGE}, 3, {APP}) f
ORDER BY 1""")], description="One series per app and version: a rotation shows as one version jumping. Bucket chosen from the range. The table 'Failing versions' below opens each version's drill-down.",
    field_config={"defaults": {"unit": "none", "custom": {"drawStyle": "bars", "stacking": {"mode": "normal"}}}, "overrides": []})
b.add("Failure rate by version (where activity is known)", "timeseries", [sql_target(f"""
WITH failing AS (
    -- Day buckets: every day the range touches (failure_stats floors and ceils the range to whole buckets).
    SELECT f.bucket, f.app, f.version, f.devices FROM failure_stats('day', $__timeFrom(), $__timeTo(), 3, {APP}) f
), active AS (
    SELECT app, version, day, sum(active_devices) AS active_devices
    FROM app_activity
    GROUP BY app, version, day
)
SELECT f.bucket AS "time", f.app || ' ' || f.version AS metric, f.devices::float8 / a.active_devices AS failure_rate
FROM failing f
JOIN active a ON a.app = f.app AND a.version = f.version AND a.day = (f.bucket AT TIME ZONE 'UTC')::date
WHERE a.active_devices > 0
ORDER BY 1""")], description="Distinct failing devices per day divided by the active devices posted to POST /v1/activity. Versions without activity data are absent, never guessed.",
    field_config={"defaults": {"unit": "percentunit", "custom": {"drawStyle": "line", "pointSize": 6, "showPoints": "always"}}, "overrides": []})
b.add("Diagnosis mix (failing devices per bucket, summed over the range)", "piechart", [sql_target(f"""
SELECT f.diagnosis AS diagnosis, sum(f.devices) AS devices
FROM failure_stats({RANGE}, 32, {APP}) f
GROUP BY 1
ORDER BY 2 DESC""", fmt="table")], description="Shares of the diagnoses: exact distinct failing devices of each bucket of the range (bucket chosen from the range), summed. server-rotation: our chain changed. interception-suspected: a proxy or attacker in the path. certificate-invalid: our chain is broken. client-config-error: the app's pins are broken.",
    options={"reduceOptions": {"values": True, "calcs": ["lastNotNull"], "fields": "/^devices$/"}, "pieType": "donut", "legend": {"displayMode": "table", "placement": "right", "values": ["value"]}})
b.add("Firing alerts", "table", [sql_target("""
SELECT a.fired_at AS "fired", a.status, a.headline, a.window_devices AS devices, a.baseline_median AS baseline, a.action, a.id
FROM alerts a
WHERE a.status IN ('firing', 'acknowledged') AND ('$app' = '%' OR a.app = '$app' OR a.app IS NULL)
ORDER BY a.fired_at DESC
LIMIT 50""", fmt="table")], w=24, h=7, description="Open alerts (GET /v1/alerts?state=firing). Acknowledge with POST /v1/alerts/{id}/acknowledge.",
    field_config={"defaults": {}, "overrides": [{"matcher": {"id": "byName", "options": "headline"}, "properties": [{"id": "custom.width", "value": 700}]}]})
b.add("Top failing chains", "table", [sql_target(f"""
SELECT nullif(c.leaf_issuer, '') AS issuer, nullif(c.leaf_subject, '') AS subject, nullif(c.leaf_spki_sha256, '') AS spki_sha256,
       sum(c.devices) AS devices, sum(c.reports) AS reports, max(c.diagnosis) AS diagnosis
FROM chain_stats(chain_grain($__timeFrom(), $__timeTo()), $__timeFrom(), $__timeTo(), {APP}) c
GROUP BY 1, 2, 3
ORDER BY devices DESC
LIMIT 10""", fmt="table")], w=24, h=7, description="Which leaf certificate (issuer, subject, SPKI) the failing devices saw: exact distinct devices per bucket (hour up to 2-day ranges, else day), summed over the range, from the chain rollups the closer keeps (closed buckets counted once, the open bucket live).")
b.add("New app versions (last 24 h)", "table", [sql_target("""
SELECT s.app, s.version, s.platform, min(s.first_seen_at) AS first_failure
FROM failure_series s
WHERE s.app LIKE '$app'
GROUP BY s.app, s.version, s.platform
HAVING min(s.first_seen_at) > now() - interval '24 hours'
ORDER BY first_failure DESC""", fmt="table")], description="Versions whose first failure report arrived in the last day: a release that ships broken pins shows here first.")
b.add("New chains (last 24 h)", "table", [sql_target("""
SELECT c.first_seen_at AS first_seen, c.leaf_subject AS subject, c.leaf_issuer AS issuer, c.leaf_spki_sha256 AS spki_sha256, c.leaf_not_after AS not_after
FROM certificate_chains c
WHERE c.first_seen_at > now() - interval '24 hours'
ORDER BY c.first_seen_at DESC
LIMIT 50""", fmt="table")], description="Chains reported for the first time in the last day: a rotation or an interception product appears here.")
b.add("Failing versions (open the drill-down)", "table", [sql_target(f"""
SELECT f.app, f.version, sum(f.devices) AS devices
FROM failure_stats({RANGE}, 3, {APP}) f
WHERE f.app <> ''
GROUP BY f.app, f.version
ORDER BY devices DESC
LIMIT 50""", fmt="table")], w=24, h=7, description="Failing devices per app version over the range (summed per bucket); click a row's version to open its drill-down over the same range.",
    field_config={"defaults": {}, "overrides": [{"matcher": {"id": "byName", "options": "version"},
        "properties": [{"id": "links", "value": [{"title": "Drill-down ${__data.fields.app} ${__data.fields.version}", "url": DRILL_DOWN}]}]}]})
alert_annotation = {"name": "Alerts", "enable": True, "iconColor": "red", "datasource": PG,
    "target": {"refId": "Anno", "rawQuery": True, "format": "table", "editorMode": "code", "rawSql": """SELECT a.fired_at AS time, coalesce(a.resolved_at, now()) AS timeend, a.headline AS text, a.series_key AS tags
FROM alerts a
WHERE a.fired_at IS NOT NULL AND $__timeFilter(a.fired_at)"""}}
overview_app = {"name": "app", "label": "App", "type": "query", "datasource": PG, "query": "SELECT DISTINCT app FROM failure_series WHERE app <> '' ORDER BY 1",
    "definition": "SELECT DISTINCT app FROM failure_series WHERE app <> '' ORDER BY 1", "refresh": 2, "includeAll": True, "allValue": "%", "multi": False, "sort": 1,
    "current": {"text": "All", "value": "$__all"}}
write("pin-failures-overview.json", dashboard("pinreports-overview", "Pin failures overview", b,
    "What is failing right now: devices per hostname and version, rates, diagnosis, alerts, chains.", templating=[overview_app], annotations=[alert_annotation]))

# ---------------- App version drill-down ----------------
def var(name, sql, label, include_all=False):
    return {"name": name, "label": label, "type": "query", "datasource": PG, "query": sql, "definition": sql,
            "refresh": 2, "includeAll": include_all, "multi": False, "sort": 1, **({"allValue": "%"} if include_all else {})}
templating = [
    var("app", "SELECT DISTINCT app FROM failure_series WHERE app <> '' ORDER BY 1", "App"),
    var("version", "SELECT DISTINCT version FROM failure_series WHERE app = '$app' ORDER BY 1", "Version"),
    var("platform", "SELECT DISTINCT platform FROM failure_series WHERE app = '$app' AND version = '$version' ORDER BY 1", "Platform", include_all=True),
    var("hostname", "SELECT DISTINCT noted_hostname FROM failure_series WHERE app = '$app' AND version = '$version' ORDER BY 1", "Noted hostname", include_all=True),
    {"name": "api", "label": "PinReports URL", "type": "textbox", "query": "http://localhost:8080", "current": {"text": "http://localhost:8080", "value": "http://localhost:8080"}},
]
# failure_stats filters (app, version, platform, hostname, noted hostname): "All" is '%', i.e. no filter.
STATS_FILTER = "'$app', '$version', NULLIF('$platform', '%'), NULL, NULLIF('$hostname', '%')"
b = Board()
b.add("Failing devices", "timeseries", [sql_target(f"""
SELECT f.bucket AS "time", f.diagnosis AS metric, f.devices
FROM failure_stats({RANGE}, 32, {STATS_FILTER}) f
ORDER BY 1""")], w=16, description="This version's failing devices by diagnosis, per bucket (chosen from the range).",
    field_config={"defaults": {"custom": {"drawStyle": "bars", "stacking": {"mode": "normal"}}}, "overrides": []})
b.add("Failure rate per day", "timeseries", [sql_target(f"""
WITH failing AS (
    -- Day buckets: every day the range touches.
    SELECT f.bucket, f.devices FROM failure_stats('day', $__timeFrom(), $__timeTo(), 0, {STATS_FILTER}) f
)
SELECT f.bucket AS "time", f.devices::float8 / a.active_devices AS failure_rate
FROM failing f
JOIN (SELECT day, sum(active_devices) AS active_devices FROM app_activity
      WHERE app = '$app' AND version = '$version' AND platform LIKE '$platform' GROUP BY day) a
  ON a.day = (f.bucket AT TIME ZONE 'UTC')::date
WHERE a.active_devices > 0
ORDER BY 1""")], w=8, description="Failing devices / active devices (POST /v1/activity); empty when no activity data exists.",
    field_config={"defaults": {"unit": "percentunit"}, "overrides": []})
b.add("Pins this version carries", "table", [sql_target("""
SELECT i.app_platform AS platform, i.noted_hostname, pin, i.known_pins_expiration_date AS expires,
       i.known_pins_expiration_date - current_date AS days_left, i.devices, i.last_seen
FROM pin_inventory i
JOIN pin_sets p ON p.fingerprint = i.pin_set_fingerprint
CROSS JOIN LATERAL unnest(p.pins) AS pin
WHERE i.app_bundle_id = '$app' AND i.app_version = '$version'
  AND coalesce(i.app_platform, '') LIKE '$platform' AND i.noted_hostname LIKE '$hostname'
ORDER BY i.noted_hostname, pin""", fmt="table")], w=24, h=7, description="From the pin inventory (GET /v1/pins): the known pins and their expiration date (iOS kTSKExpirationDate).",
    field_config={"defaults": {}, "overrides": [{"matcher": {"id": "byName", "options": "days_left"},
        "properties": [{"id": "custom.cellOptions", "value": {"type": "color-background"}},
                       {"id": "thresholds", "value": {"mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "orange", "value": 0}, {"color": "green", "value": 30}]}}]}]})
b.add("Reports", "table", [sql_target("""
SELECT r.received_at AS received, r.id::text AS id, r.app_platform AS platform, r.hostname, r.diagnosis,
       r.validation_result, c.leaf_issuer AS issuer, c.leaf_spki_sha256 AS leaf_spki
FROM reports r
LEFT JOIN certificate_chains c ON c.fingerprint = r.validated_chain_fingerprint
WHERE $__timeFilter(r.received_at) AND r.app_bundle_id = '$app' AND r.app_version = '$version'
  AND coalesce(r.app_platform, '') LIKE '$platform' AND r.noted_hostname LIKE '$hostname'
ORDER BY r.received_at DESC
LIMIT 200""", fmt="table")], w=24, h=10, description="Raw reports, bounded by the time range and 200 rows; each id links to GET /v1/reports/{id} (send your API key).",
    field_config={"defaults": {}, "overrides": [{"matcher": {"id": "byName", "options": "id"},
        "properties": [{"id": "links", "value": [{"title": "Open report", "url": "${api}/v1/reports/${__value.raw}", "targetBlank": True}]}]}]})
write("app-version-drilldown.json", dashboard("pinreports-version", "App version drill-down", b,
    "One app version: failure rate, the pins it carries and when they expire, its reports.", templating=templating, annotations=[alert_annotation], time_from="now-24h"))

# ---------------- Service health (Prometheus) ----------------
b = Board()
b.add("Reports accepted / stored / duplicates per second", "timeseries", [
    prom_target("sum(rate(pinreports_reports_accepted_total[1m]))", "accepted", "A"),
    prom_target("sum(rate(pinreports_reports_stored_total[1m]))", "stored", "B"),
    prom_target("sum(rate(pinreports_reports_duplicates_total[1m]))", "duplicates", "C")], ds=PROM,
    field_config={"defaults": {"unit": "reqps"}, "overrides": []})
b.add("HTTP responses by status", "timeseries", [
    prom_target("sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count[1m]))", "{{http_response_status_code}}")], ds=PROM,
    field_config={"defaults": {"unit": "reqps", "custom": {"stacking": {"mode": "normal"}}}, "overrides": []})
b.add("Ingest latency (p50 / p95 / p99)", "timeseries", [
    prom_target('histogram_quantile(0.50, sum by (le) (rate(http_server_request_duration_seconds_bucket{http_route="/v1/reports"}[5m])))', "p50", "A"),
    prom_target('histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{http_route="/v1/reports"}[5m])))', "p95", "B"),
    prom_target('histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{http_route="/v1/reports"}[5m])))', "p99", "C")], ds=PROM,
    field_config={"defaults": {"unit": "s"}, "overrides": []})
b.add("Group-commit batch size and duration", "timeseries", [
    prom_target("sum(rate(pinreports_ingest_batch_size_sum[5m])) / sum(rate(pinreports_ingest_batch_size_count[5m]))", "mean reports per batch", "A"),
    prom_target("histogram_quantile(0.99, sum by (le) (rate(pinreports_ingest_batch_duration_seconds_bucket[5m])))", "p99 batch duration (s)", "B")], ds=PROM)
b.add("Ingest queue depth", "timeseries", [prom_target("max(pinreports_ingest_queue_depth)", "reports waiting for commit")], ds=PROM)
b.add("Rejections and database errors", "timeseries", [
    prom_target("sum by (reason) (rate(pinreports_reports_rejected_total[5m]))", "rejected: {{reason}}", "A"),
    prom_target("sum(rate(pinreports_ingest_batch_failed_total[5m]))", "reports in failed batches (503)", "B")], ds=PROM,
    field_config={"defaults": {"unit": "reqps"}, "overrides": []})
b.add("Notification backlog", "timeseries", [prom_target("max(pinreports_notifications_pending)", "pending notifications")], ds=PROM)
b.add("Pins expiring soon (days left)", "table", [
    {**prom_target("min by (app, version, platform, noted_hostname) (pinreports_pins_expiring_days)", ""), "format": "table", "instant": True, "range": False}], ds=PROM)
# Issue #16: how far ConnectionStrings:PostgresReadOnly (stats, report queries, CSV) is behind the primary; 0 without one.
b.add("Read replica lag", "timeseries", [prom_target("max by (instance) (pinreports_replica_lag_seconds)", "{{instance}}")], ds=PROM,
    description="Seconds the read route (ConnectionStrings:PostgresReadOnly: stats, report queries, CSV) is behind the primary, as each replica "
        "measures it; 0 without a read replica; a gap (NaN) while the standby does not answer. Reads show data this old (docs/scaling.md).",
    field_config={"defaults": {"unit": "s", "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "orange", "value": 10},
        {"color": "red", "value": 60}]}, "custom": {"thresholdsStyle": {"mode": "line"}}}, "overrides": []})
# Every replica is one Prometheus instance: the variable narrows each selector to one (All: every replica).
def per_instance(expr):
    def add(m):
        labels = m.group(3)
        return m.group(1) + '{instance=~"$instance"' + ("," + labels if labels else "") + "}"
    return re.sub(r'\b((?:pinreports|http_server)_[a-z_]+)(\{([^}]*)\})?', add, expr)
for panel in b.panels:
    for t in panel["targets"]:
        t["expr"] = per_instance(t["expr"])
instance = {"name": "instance", "label": "Instance", "type": "query", "datasource": PROM,
    "query": {"query": "label_values(pinreports_ingest_queue_depth, instance)", "refId": "PrometheusVariableQueryEditor-VariableQuery"},
    "definition": "label_values(pinreports_ingest_queue_depth, instance)", "refresh": 2, "includeAll": True, "allValue": ".*", "multi": True, "sort": 1,
    "current": {"text": "All", "value": "$__all"}}
write("service-health.json", dashboard("pinreports-health", "Service health", b,
    "The collector itself: ingest rate, statuses, latency, group-commit batches, queue, errors, notification backlog, read replica lag.", templating=[instance], time_from="now-1h", refresh="30s"))
print("ok")
