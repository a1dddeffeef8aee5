namespace ReportApi.Pins;

/// <summary>The pin inventory's SQL, run by <see cref="PinInventoryStore"/>: the incremental refresh, the listing, the pre-flight and gauge reads (pin-to-certificate: HostKeysSql.ByKeys).</summary>
internal static class PinsSql
{
    /// <summary>Any fixed number works: it only has to differ from the other jobs' advisory lock keys.</summary>
    public const long RefreshLockKey = 0x50494E_494E56; // "PIN" "INV"

    public const string TryLock = "SELECT pg_try_advisory_xact_lock($1)";

    /// <summary>Blocking variant for an on-demand refresh, which must not return before the data is fresh.</summary>
    public const string Lock = "SELECT pg_advisory_xact_lock($1), true";

    public const string EnsureState = "INSERT INTO pin_inventory_state (id, watermark) VALUES (1, NULL) ON CONFLICT (id) DO NOTHING";

    /// <summary>The watermark; before the first run, the oldest report (so the first run starts where the data starts).</summary>
    public const string ReadWatermark = """
        SELECT coalesce(watermark, (SELECT min(received_at) FROM reports)) AS watermark FROM pin_inventory_state WHERE id = 1
        """;

    public const string DataThrough = "SELECT watermark FROM pin_inventory_state WHERE id = 1";

    public const string WriteWatermark = "UPDATE pin_inventory_state SET watermark = $1 WHERE id = 1";

    /// <summary>
    /// Folds the reports received in [$1, $2) into the inventory. Ranges never overlap (the watermark moves to $2 in
    /// the same transaction), so <c>reports</c> is an exact sum and a re-run adds nothing. The expiration date is the
    /// one of the latest report: an app update that moves the date must replace the old one, not the maximum.
    /// Missing include-subdomains / enforce-pinning count as true: pre-flight would rather list a version too many.
    /// </summary>
    public const string UpsertInventory = """
        INSERT INTO pin_inventory AS p (app_bundle_id, app_version, app_platform, noted_hostname, pin_set_fingerprint,
            include_subdomains, enforce_pinning, known_pins_expiration_date, first_seen, last_seen, reports, devices)
        SELECT app_bundle_id, app_version, app_platform, noted_hostname, pin_set_fingerprint,
               bool_or(coalesce(include_subdomains, true)), bool_or(coalesce(enforce_pinning, true)),
               (array_agg(known_pins_expiration_date ORDER BY received_at DESC))[1],
               min(received_at), max(received_at), count(*), 0
        FROM reports
        WHERE received_at >= $1 AND received_at < $2
        GROUP BY app_bundle_id, app_version, app_platform, noted_hostname, pin_set_fingerprint
        ON CONFLICT (app_bundle_id, app_version, app_platform, noted_hostname, pin_set_fingerprint) DO UPDATE SET
            include_subdomains = p.include_subdomains OR excluded.include_subdomains,
            enforce_pinning = p.enforce_pinning OR excluded.enforce_pinning,
            known_pins_expiration_date = CASE WHEN excluded.last_seen >= p.last_seen
                THEN excluded.known_pins_expiration_date ELSE p.known_pins_expiration_date END,
            first_seen = LEAST(p.first_seen, excluded.first_seen),
            last_seen = GREATEST(p.last_seen, excluded.last_seen),
            reports = p.reports + excluded.reports
        """;

    /// <summary>
    /// Distinct devices per inventory row, exact: a device is a key of <c>pin_inventory_devices</c>, and
    /// <c>devices</c> grows only by the rows this statement inserted (xmax = 0), never by ones it merely updated.
    /// The join is on the non-null key columns (hashable) with the nullable app fields as a filter.
    /// </summary>
    public const string UpsertDevices = """
        WITH seen AS (
            SELECT p.id AS inventory_id, r.device_hash, min(r.received_at) AS first_seen, max(r.received_at) AS last_seen
            FROM reports r
            JOIN pin_inventory p ON p.noted_hostname = r.noted_hostname AND p.pin_set_fingerprint = r.pin_set_fingerprint
                AND p.app_bundle_id IS NOT DISTINCT FROM r.app_bundle_id AND p.app_version IS NOT DISTINCT FROM r.app_version
                AND p.app_platform IS NOT DISTINCT FROM r.app_platform
            WHERE r.received_at >= $1 AND r.received_at < $2 AND r.device_hash IS NOT NULL
            GROUP BY p.id, r.device_hash
        ), upserted AS (
            INSERT INTO pin_inventory_devices AS d (inventory_id, device_hash, first_seen, last_seen)
            SELECT inventory_id, device_hash, first_seen, last_seen FROM seen
            ON CONFLICT (inventory_id, device_hash) DO UPDATE SET
                first_seen = LEAST(d.first_seen, excluded.first_seen),
                last_seen = GREATEST(d.last_seen, excluded.last_seen)
            RETURNING inventory_id, (xmax = 0) AS inserted
        )
        UPDATE pin_inventory p SET devices = p.devices + n.added
        FROM (SELECT inventory_id, count(*) FILTER (WHERE inserted) AS added FROM upserted GROUP BY inventory_id) n
        WHERE p.id = n.inventory_id AND n.added > 0
        """;

    private const string InventoryColumns = """
        p.id, p.app_bundle_id, p.app_version, p.app_platform, p.noted_hostname, p.include_subdomains, p.enforce_pinning,
        p.known_pins_expiration_date, p.first_seen, p.last_seen, p.reports, p.devices, s.pins, s.sha256pins, s.malformed_count
        """;

    /// <summary>Filters are optional ($n IS NULL); hostnames and platforms compare case-insensitively, as clients spell them freely.</summary>
    public const string ListInventory = $"""
        SELECT {InventoryColumns}
        FROM pin_inventory p JOIN pin_sets s ON s.fingerprint = p.pin_set_fingerprint
        WHERE ($1::text IS NULL OR p.app_bundle_id = $1)
          AND ($2::text IS NULL OR p.app_version = $2)
          AND ($3::text IS NULL OR lower(p.app_platform) = lower($3))
          AND ($4::text IS NULL OR lower(p.noted_hostname) = lower($4))
        ORDER BY p.app_bundle_id NULLS LAST, lower(p.noted_hostname), p.app_platform NULLS LAST, p.app_version NULLS LAST, p.id
        """;

    /// <summary>
    /// Configurations seen since $1 whose pins apply to host $2 (lower case): the noted hostname itself, or a parent
    /// domain pinned with include-subdomains.
    /// </summary>
    public const string PreflightCandidates = $"""
        SELECT {InventoryColumns}
        FROM pin_inventory p JOIN pin_sets s ON s.fingerprint = p.pin_set_fingerprint
        WHERE p.last_seen >= $1
          AND (lower(p.noted_hostname) = $2
               OR (p.include_subdomains AND right($2, length(p.noted_hostname) + 1) = '.' || lower(p.noted_hostname)))
        ORDER BY p.app_bundle_id NULLS LAST, lower(p.noted_hostname), p.app_platform NULLS LAST, p.app_version NULLS LAST, p.id
        """;

    /// <summary>Devices per inventory row seen since $2.</summary>
    public const string RecentDevices = """
        SELECT inventory_id, count(*) AS devices FROM pin_inventory_devices
        WHERE inventory_id = ANY($1) AND last_seen >= $2 GROUP BY inventory_id
        """;

    /// <summary>Distinct devices over several rows: one device may carry two configurations in the window (an update).</summary>
    public const string RecentDistinctDevices = """
        SELECT count(DISTINCT device_hash) AS devices FROM pin_inventory_devices WHERE inventory_id = ANY($1) AND last_seen >= $2
        """;

    /// <summary>Configurations seen since $1 whose pins expire before $2: the source of the expiring-pins gauge.</summary>
    public const string Expiring = """
        SELECT app_bundle_id, app_version, app_platform, noted_hostname, min(known_pins_expiration_date) AS expiration_date
        FROM pin_inventory
        WHERE last_seen >= $1 AND known_pins_expiration_date < $2
        GROUP BY app_bundle_id, app_version, app_platform, noted_hostname
        """;
}
