namespace ReportApi.Advisory;

/// <summary>SQL of host chains (tables from migration HostChains) and of the advisory snapshot's inventory read, run by <see cref="AdvisoryStore"/>.</summary>
internal static class AdvisorySql
{
    /// <summary>Records the chain of kind $2 for host $1 (replacing the previous one) and appends it to the history.</summary>
    public const string Record = """
        WITH upserted AS (
            INSERT INTO host_chains (hostname, kind, effective_from, pem, fingerprint, keys, recorded_by, recorded_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (hostname, kind) DO UPDATE SET
                effective_from = excluded.effective_from, pem = excluded.pem, fingerprint = excluded.fingerprint,
                keys = excluded.keys, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
            RETURNING hostname
        )
        INSERT INTO host_chain_history (hostname, kind, action, effective_from, pem, fingerprint, recorded_by, recorded_at)
        SELECT $1, $2, 'recorded', $3, $4, $5, $7, $8 FROM upserted
        """;

    /// <summary>
    /// A live chain equal to the planned one means the plan happened: the plan is removed, and the history says so.
    /// $1 hostname, $2 the live chain's fingerprint, $3 who, $4 when.
    /// </summary>
    public const string FulfilPlan = """
        WITH removed AS (
            DELETE FROM host_chains WHERE hostname = $1 AND kind = 'planned' AND fingerprint = $2
            RETURNING hostname, effective_from, fingerprint
        )
        INSERT INTO host_chain_history (hostname, kind, action, effective_from, fingerprint, recorded_by, recorded_at)
        SELECT hostname, 'planned', 'fulfilled', effective_from, fingerprint, $3, $4 FROM removed
        """;

    /// <summary>Withdraws host $1's plan; no row when there was none. $2 who, $3 when.</summary>
    public const string Withdraw = """
        WITH removed AS (
            DELETE FROM host_chains WHERE hostname = $1 AND kind = 'planned'
            RETURNING hostname, effective_from, fingerprint
        )
        INSERT INTO host_chain_history (hostname, kind, action, effective_from, fingerprint, recorded_by, recorded_at)
        SELECT hostname, 'planned', 'withdrawn', effective_from, fingerprint, $2, $3 FROM removed
        RETURNING 1
        """;

    private const string ChainColumns = "hostname, kind, effective_from, pem, fingerprint, keys, recorded_by, recorded_at";

    public const string HostChains = $"SELECT {ChainColumns} FROM host_chains WHERE hostname = $1 ORDER BY kind";

    public const string AllChains = $"SELECT {ChainColumns} FROM host_chains ORDER BY hostname, kind";

    /// <summary>The newest $2 history entries of host $1.</summary>
    public const string History = """
        SELECT kind, action, effective_from, fingerprint, recorded_by, recorded_at
        FROM host_chain_history WHERE hostname = $1 ORDER BY id DESC LIMIT $2
        """;

    /// <summary>
    /// Every configuration the inventory learned for the apps $1 the advisory speaks for, with its well-formed pins.
    /// All of them, not only recent ones: pin failures are what teach the inventory a version, and a version whose
    /// devices stopped reporting is still installed somewhere.
    /// </summary>
    public const string Inventory = """
        SELECT p.app_bundle_id, p.app_version, p.app_platform, lower(p.noted_hostname) AS noted_hostname, p.include_subdomains, p.enforce_pinning,
               p.known_pins_expiration_date, s.sha256pins
        FROM pin_inventory p JOIN pin_sets s ON s.fingerprint = p.pin_set_fingerprint
        WHERE p.app_bundle_id = ANY($1) AND p.app_version IS NOT NULL AND p.app_platform IS NOT NULL
        """;
}
